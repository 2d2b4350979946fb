export { defineActor, type ActorContext, type ActorDefinition, type Behaviour, type Message } from './actor.ts';
export { Supervisor, type ActorStatus, type ActorState, type SupervisorExit } from './supervisor.ts';
export { ControlServer, controlRequest, supervisorAnswers, type ControlRequest, type ControlResponse } from './control.ts';
export { runSupervisor, type RunOptions } from './run.ts';
export { DEFAULTS, type ChildSpec, type SupervisorOptions, type RestartType, type Strategy } from './spec.ts';
export { SpecError, RuntimeError } from './errors.ts';
export { visible, jsonVisible } from './text.ts';
export { jsonLineLogger, silentLogger, type Logger } from './log.ts';
export type { ActorStats } from './protocol.ts';
