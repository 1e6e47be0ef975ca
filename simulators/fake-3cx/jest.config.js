module.exports = require('../../jest.preset.js')('fake-3cx');
