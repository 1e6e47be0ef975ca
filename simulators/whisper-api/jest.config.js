module.exports = require('../../jest.preset.js')('whisper-api-sim');
