import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { silentLogger } from "../../shared/logger.js";
import { toConnectError } from "./error-mapping.js";

describe("toConnectError", () => {
  it("answers Unavailable (retry later) for the ways a lost database connection surfaces, with and without a code", () => {
    const lost = [
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
      Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
      new Error("Knex: Timeout acquiring a connection. The pool is probably full."),
      new Error("Connection terminated unexpectedly"),
      // what pg says for the ROLLBACK knex sends on a connection PostgreSQL dropped mid-transaction
      new Error("ROLLBACK - Client has encountered a connection error and is not queryable"),
    ];
    for (const error of lost) assert.equal(toConnectError(error, silentLogger, "r-1").code, Code.Unavailable, error.message);
  });

  it("answers Internal, without the message, for anything else", () => {
    const answer = toConnectError(Object.assign(new Error('relation "x" does not exist'), { code: "42P01" }), silentLogger, "r-2");
    assert.deepEqual([answer.code, answer.rawMessage], [Code.Internal, "internal error (request id r-2)"]);
  });
});
