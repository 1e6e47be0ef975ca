module.exports = require('../jest.preset.js')('worker-gpu');
