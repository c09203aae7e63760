/** Bare-metal firmware for emulated boards: profiles, builds, footprints and QEMU runs. */
export { type BoardProfile, BOARDS_DIR, checkBoard, isBoardPath, listBoards, loadBoard } from './profile.js';
export {
  type BuiltFirmware,
  buildFirmware,
  type FirmwareFootprint,
  type FirmwareOptions,
  firmwareFootprint,
  measureFirmwareFootprint,
} from './firmware.js';
export { type MapContribution, parseLinkMap } from './link-map.js';
export { qemuArgs } from './firmware-files.js';
export { runOnTarget, type TargetModuleResult, type TargetRunOptions, type TargetRunResult } from './run-board.js';
