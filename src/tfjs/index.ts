/**
 * segkit/tfjs — segkit's losses and metrics as TensorFlow.js loss and metric functions.
 * @packageDocumentation
 */
export {};
