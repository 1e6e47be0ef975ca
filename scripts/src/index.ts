// @cwn/scripts: developer tools and simulators of the outside world for tests and the demo.
export * from './ninjaone-sim/index';
export {
  pkcePair,
  startNinjaOneSim,
  type StartedSim,
  type TokenBody,
} from './ninjaone-sim/testkit';
export { configureNinjaOneDemo, type NinjaOneDemoOptions } from './demo/ninjaone-demo';
