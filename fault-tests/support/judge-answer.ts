import type { GarbageRequest } from "./garbage.js";
import type { RawAnswer } from "./raw-clients.js";

const GRPC_OK = 0;
const GRPC_UNKNOWN = 2;
const GRPC_INTERNAL = 13;

/**
 * Why `answer` is not a correct answer to the malformed `request`, or undefined when it is: a 4xx
 * whose JSON body carries a reason (`message`), or a gRPC error other than Unknown / Internal with
 * a message; for a well-formed batch of bad updates (`expect: "rejected"`), 200 rejecting each
 * update by field and reason, and nothing else.
 */
export function answerProblem(request: GarbageRequest, answer: RawAnswer): string | undefined {
  if (answer.status === 0) return `no answer (${answer.error ?? "connection closed"})`;
  if (request.transport === "grpc") return grpcProblem(answer);
  if (answer.status === 200 && request.expect !== "refused") return rejectionProblem(request, answer.body);
  if (request.expect === "rejected") return `HTTP ${answer.status} for a batch of bad updates (expected 200 rejecting each): ${answer.body.slice(0, 200)}`;
  if (answer.status < 400 || answer.status > 499) return `HTTP ${answer.status}: ${answer.body.slice(0, 200)}`;
  const reason = reasonOf(answer.body);
  return reason ? undefined : `HTTP ${answer.status} without a reason in the body: ${JSON.stringify(answer.body.slice(0, 200))}`;
}

function grpcProblem(answer: RawAnswer): string | undefined {
  if (answer.grpcStatus === undefined) return `HTTP/2 ${answer.status} without grpc-status`;
  if (answer.grpcStatus === GRPC_OK) return "grpc-status 0 (OK) for a broken message";
  if (answer.grpcStatus === GRPC_UNKNOWN || answer.grpcStatus === GRPC_INTERNAL) return `grpc-status ${answer.grpcStatus}: ${answer.grpcMessage}`;
  return answer.grpcMessage ? undefined : `grpc-status ${answer.grpcStatus} without a message`;
}

function rejectionProblem(request: GarbageRequest, body: string): string | undefined {
  const result = JSON.parse(body) as { rejected?: number; rejections?: Array<{ field?: string; reason?: string }> };
  const rejections = result.rejections ?? [];
  if (result.rejected !== request.updates || rejections.length !== request.updates) {
    return `200 rejecting ${result.rejected ?? 0} of ${request.updates} bad updates: ${body.slice(0, 300)}`;
  }
  const unexplained = rejections.find((r) => !r.field || !r.reason);
  return unexplained ? `a rejection without field or reason: ${JSON.stringify(unexplained)}` : undefined;
}

function reasonOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === "string" && parsed.message.trim() !== "" ? parsed.message : undefined;
  } catch {
    return undefined;
  }
}
