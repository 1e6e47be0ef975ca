module.exports = require('../../jest.preset.js')('ninjaone-sim');
