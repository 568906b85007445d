import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { createHash, timingSafeEqual } from "node:crypto";
import type { Actor } from "../../reconciliation/domain/audit-entry.js";
import { PermissionDeniedError, UnauthenticatedError } from "../../shared/errors.js";
import type { Logger } from "../../shared/logger.js";
import { requiredRole, type OperatorRole } from "./access-policy.js";

/** A bearer token with the name and role it grants. */
export interface OperatorToken {
  readonly name: string;
  readonly role: OperatorRole;
  readonly token: string;
}

/** Decides, per service and method, whether a call may proceed, and as whom. */
export interface AccessGate {
  /**
   * The caller's identity when `method` is an operator endpoint and the credential in `headers`
   * allows it; undefined for endpoints that are not operator endpoints. Throws Unauthenticated (no,
   * malformed or unknown credential) or PermissionDenied (a viewer calling a write), after logging it.
   */
  admit(service: DescService, method: DescMethod, headers: Headers, requestId: string): Actor | undefined;
}

interface KnownToken {
  readonly name: string;
  readonly role: OperatorRole;
  readonly digest: Buffer;
}

/**
 * {@link AccessGate} with bearer tokens from configuration (`Authorization: Bearer <token>`), the same
 * on the Connect gateway, the REST aliases and gRPC (metadata `authorization`). Tokens are kept and
 * compared as SHA-256 digests in constant time, each one tried, so timing says nothing about them.
 */
export class BearerTokenAccess implements AccessGate {
  private readonly tokens: readonly KnownToken[];

  constructor(
    tokens: readonly OperatorToken[],
    private readonly logger: Logger,
    private readonly refused: (code: string) => void = () => undefined,
  ) {
    this.tokens = tokens.map((t) => ({ name: t.name, role: t.role, digest: digest(t.token) }));
  }

  admit(service: DescService, method: DescMethod, headers: Headers, requestId: string): Actor | undefined {
    const needed = requiredRole(service.typeName, method.name);
    if (!needed) return undefined;
    const rpc = `${service.typeName}/${method.name}`;
    const refuse = (error: UnauthenticatedError | PermissionDeniedError, caller?: string): never => {
      this.refused(error.code);
      this.logger.warn({ rpc, code: error.code, caller, requestId }, "operator call refused");
      throw error;
    };
    if (this.tokens.length === 0) {
      refuse(new UnauthenticatedError("ACCESS.NOT_CONFIGURED", "no operator credentials are configured: set OPERATOR_TOKENS (name:role:token,...) on the service"));
    }
    const header = headers.get("authorization");
    if (!header) refuse(new UnauthenticatedError("ACCESS.CREDENTIAL_MISSING", `${rpc} needs an operator credential: send "Authorization: Bearer <token>"`));
    const bearer = /^Bearer +([\x21-\x7e]+)$/i.exec(header!);
    if (!bearer) refuse(new UnauthenticatedError("ACCESS.CREDENTIAL_MALFORMED", 'the Authorization header must be "Bearer <token>"'));
    const presented = digest(bearer![1]!);
    let match: KnownToken | undefined;
    for (const known of this.tokens) if (timingSafeEqual(known.digest, presented)) match = known;
    if (!match) return refuse(new UnauthenticatedError("ACCESS.CREDENTIAL_UNKNOWN", "the bearer token is not one of the configured operator tokens"));
    if (needed === "operator" && match.role !== "operator") {
      refuse(new PermissionDeniedError("ACCESS.ROLE_TOO_LOW", `${match.name} has the viewer role; ${rpc} needs the operator role`), match.name);
    }
    return { name: match.name, role: match.role };
  }
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}
