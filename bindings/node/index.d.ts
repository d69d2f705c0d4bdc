// Types of the plexus Node binding (index.js). The request and result
// shapes are the C API's JSON (docs/OPERATIONS.md); the common ones are
// typed below, the rest are JsonObject.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject { [key: string]: JsonValue | undefined }

/** A JSON argument: an object (serialized here) or JSON text (passed as is). */
export type JsonArg = JsonObject | string;

export type LogLevel = 'none' | 'error' | 'warn' | 'info' | 'debug';

/** What every result carries (docs/API.md). */
export interface CallResult extends JsonObject {
  provider: string;
  attempts: number;
  latency_ms: number;
  error?: CallErrorDetail;
}

export interface CallErrorDetail extends JsonObject {
  code: string;
  message: string;
  http_status?: number;
  retryable: boolean;
  request_id?: string;
  service_code?: string;
  service_message?: string;
}

export interface ChatMessage extends JsonObject {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

export interface ChatRequest extends JsonObject {
  model?: string;
  messages: ChatMessage[];
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string | string[];
  tools?: JsonObject[];
  tool_choice?: JsonValue;
}

export interface Usage extends JsonObject {
  input_tokens: number;
  output_tokens: number;
}

export interface ToolCall extends JsonObject {
  id: string;
  name: string;
  arguments: JsonObject;
}

export interface ChatResult extends CallResult {
  text: string;
  finish_reason: string;
  model: string;
  usage?: Usage;
  cost_usd: number | null;
  tool_calls?: ToolCall[];
}

export interface EmbedRequest extends JsonObject {
  model?: string;
  input: string | string[];
}

export interface EmbedResult extends CallResult {
  vectors: number[][];
  model: string;
  usage?: Usage;
  cost_usd: number | null;
}

export interface PredictResult extends CallResult {
  outputs: JsonValue;
  predictions?: JsonValue[];
  model: string | null;
  model_version: string | null;
  variant: string;
  endpoint: string;
}

export interface NotifyReport extends JsonObject {
  ok: boolean;
  delivered: number;
  failed: number;
  latency_ms: number;
  results: JsonObject[];
}

export interface PipelineResult extends JsonObject {
  status: 'ok' | 'failed';
  output: JsonValue;
  error?: JsonObject;
  steps: JsonObject;
  totals: JsonObject;
}

export interface BatchProgress extends JsonObject {
  done: number;
  failed: number;
  total: number | null;
  rate: number;
  eta_s: number | null;
  cost_usd: number;
  in_flight: number;
}

export interface ContextOptions {
  /** Receives log lines on the JS thread. */
  log?: ((level: LogLevel, message: string) => void) | null;
  /** The most verbose level passed to `log` (default "info"). */
  logLevel?: LogLevel;
}

/** Owns one C handle; close() frees it (the garbage collector does too). */
declare class Handle {
  /** True after close(), or after close() of its Context. */
  readonly closed: boolean;
  /** Idempotent. Calls in flight finish first. */
  close(): void;
  [Symbol.dispose](): void;
}

export class Context extends Handle {
  /** config: docs/CONFIG.md, as an object or JSON text. */
  constructor(config?: JsonArg | null, options?: ContextOptions);
  readonly context: null;
  provider(name: string): Provider;
  newProvider(kind: string, config?: JsonArg | null): Provider;
  endpoint(name: string): Endpoint;
  newEndpoint(config: JsonArg): Endpoint;
  newPipeline(definition: JsonArg): Pipeline;
  notify(targets: Array<string | JsonObject> | string, alert: JsonArg): Promise<NotifyReport>;
  usage(): JsonObject;
  addSecret(secret: string): void;
  setLog(fn: ((level: LogLevel, message: string) => void) | null, level?: LogLevel): void;
}

export interface ChatStreamOptions {
  signal?: AbortSignal;
}

/** A streamed chat: `for await (const delta of stream)`, then `await stream.result`. */
export class ChatStream implements AsyncIterableIterator<string> {
  private constructor();
  /** The final result; a CanceledError (with .result) after stop() or an early break. */
  readonly result: Promise<ChatResult>;
  readonly stopped: boolean;
  stop(): void;
  next(): Promise<IteratorResult<string, undefined>>;
  return(): Promise<IteratorResult<string, undefined>>;
  [Symbol.asyncIterator](): ChatStream;
}

/** An object's bytes as they arrive, paced by the reader; then `await stream.result`. */
export class ObjectStream implements AsyncIterableIterator<Buffer> {
  private constructor();
  readonly result: Promise<ObjectResult>;
  readonly stopped: boolean;
  stop(): void;
  next(): Promise<IteratorResult<Buffer, undefined>>;
  return(): Promise<IteratorResult<Buffer, undefined>>;
  [Symbol.asyncIterator](): ObjectStream;
}

export interface ObjectResult extends CallResult {
  size: number;
  etag?: string;
  resumed?: number;
  multipart?: boolean;
  parts?: number;
}

export class Provider extends Handle {
  constructor(ctx: Context, kind: string, config?: JsonArg | null);
  readonly context: Context;
  readonly name: string;
  readonly kind: string;
  call<T extends JsonObject = CallResult>(op: string, request?: JsonArg): Promise<T>;
  /** Blocks the event loop for the whole call: for in-process kinds (local) only. */
  callSync<T extends JsonObject = CallResult>(op: string, request?: JsonArg): T;
  chat(request: ChatRequest | string): Promise<ChatResult>;
  chatStream(request: ChatRequest | string, options?: ChatStreamOptions): ChatStream;
  embed(request: EmbedRequest | string): Promise<EmbedResult>;
  stats(): JsonObject;
  /** Downloads to request.file (kind s3). */
  getObject(request: JsonArg): Promise<ObjectResult>;
  objectStream(request: JsonArg, options?: ChatStreamOptions): ObjectStream;
  /** From data (unchanged until settled), else request.file / body / body_base64. */
  putObject(request: JsonArg, data?: Uint8Array | null): Promise<ObjectResult>;
}

export class Endpoint extends Handle {
  constructor(ctx: Context, config: JsonArg);
  readonly context: Context;
  predict(request: JsonArg): Promise<PredictResult>;
  setWeights(weights: Record<string, number> | string): void;
  stats(): JsonObject;
}

export interface RunBatchOptions {
  /** About once a second; return false to stop (resumably). */
  onProgress?: (progress: BatchProgress) => boolean | void;
  signal?: AbortSignal;
}

export class Pipeline extends Handle {
  constructor(ctx: Context, definition: JsonArg);
  readonly context: Context;
  /** input: any JSON value; a string is JSON text. */
  run(input: JsonValue): Promise<PipelineResult>;
  runBatch(opts: JsonArg, options?: RunBatchOptions): Promise<JsonObject>;
}

/** A plexus call failed. */
export class PlexusError extends Error {
  constructor(message?: string, result?: JsonObject, status?: number);
  /** The plx_status number. */
  readonly status: number;
  /** Its symbolic name, "PLX_EAUTH". */
  readonly code: string;
  /** The call's result JSON, parsed, when it gave one. */
  readonly result?: JsonObject;
  static readonly status: number | undefined;
}

type StatusError = typeof PlexusError & { readonly status: number; readonly code: string };

export const InvalidArgumentError: StatusError;
export const OutOfMemoryError: StatusError;
export const ConfigError: StatusError;
export const NotFoundError: StatusError;
export const TransportError: StatusError;
export const TimedOutError: StatusError;
export const TLSError: StatusError;
export const HTTPError: StatusError;
export const AuthError: StatusError;
export const RateLimitError: StatusError;
export const CircuitOpenError: StatusError;
export const ProtocolError: StatusError;
export const TooBigError: StatusError;
export const BudgetError: StatusError;
export const UnsupportedError: StatusError;
export const FileError: StatusError;
export const BusyError: StatusError;
export const CanceledError: StatusError;
export const InternalError: StatusError;
/** A closed Context, Provider, ... was used (an InvalidArgumentError). */
export const ClosedError: StatusError;

/** The addon or libplexus could not be loaded (thrown by require). */
export class LoadError extends Error {
  readonly code: 'ERR_PLEXUS_LOAD';
}

export function errorClass(status: number): typeof PlexusError;
export function statusName(status: number): string;
export function statusStr(status: number): string;
/** The version of the loaded libplexus, "0.1.0". */
export const version: string;
/** The same as (major << 16) | (minor << 8) | micro. */
export const versionNumber: number;
