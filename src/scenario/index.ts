export { DEFAULT_SETTINGS, ScenarioContext, type ScenarioSettings } from "./context.js";
export { seededRandom } from "../util/random.js";
export { hashedLoss, Recorder, type LossRule, type RecordedDatagram } from "./recorder.js";
export { runScenario, writeScenarioCapture, type ScenarioResult } from "./run.js";
export { findScenario, SCENARIOS, type Scenario } from "./scenarios.js";
