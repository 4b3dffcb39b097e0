/** The network a task calls for: the table model's plan, which the CLI shares (see lib/table/network-plan.ts). */
export { classTargets, describeLayers, HIDDEN_ACTIVATIONS, parameterCount, planNetwork } from '../table/network-plan';
export type { HiddenActivation, NetworkPlan } from '../table/network-plan';
