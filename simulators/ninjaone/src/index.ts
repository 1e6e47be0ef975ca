// @cwn/ninjaone-sim: the NinjaOne API simulator, its test kit and the demo's setup.
export * from './sim';
export { pkcePair, startNinjaOneSim, type StartedSim, type TokenBody } from './testkit';
export { configureNinjaOneDemo, type NinjaOneDemoOptions } from './demo';
