import { fromBinary, toJson } from "@bufbuild/protobuf";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerConfig, type JsMsg } from "@nats-io/jetstream";
import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import { parseArgs } from "node:util";
import { InventoryEventSchema } from "../../../gen/invsync/events/v1/inventory_event_pb.js";
import type { EventStreamConfig } from "../../config/event-stream-config.js";
import { skuToken, typeToken } from "../messaging/subjects.js";
import { decodeAlert } from "./alert-line.js";
import { describeEvent } from "./event-line.js";
import type { CliOutput } from "./operations-cli.js";

/** Usage of `invsync events`. */
export const EVENTS_USAGE = `  events [--sku SKU] [--type StockCounted] [--from-seq N | --since ISO | --last N] [--limit N] [--follow] [--json]
                                  print published events from JetStream (NATS_URL, NATS_STREAM,
                                  NATS_SUBJECT_PREFIX), one line each, oldest first: by default the
                                  first 100; --last N: from the stream's Nth last event (then
                                  filtered); --follow: keep printing new ones; --json: each with its
                                  stream sequence, subject and headers`;

/** `invsync events`: prints events from the stream; returns the exit code (2: bad options, 1: NATS). */
export async function eventsCommand(args: readonly string[], config: EventStreamConfig, output: CliOutput): Promise<number> {
  let options: EventsOptions;
  try {
    options = parseOptions(args, config);
  } catch (error) {
    output.err(`invsync events: ${error instanceof Error ? error.message : String(error)}\n\nusage:\n${EVENTS_USAGE}`);
    return 2;
  }
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: config.natsUrl.split(","), timeout: 3000, reconnect: false });
  } catch (error) {
    output.err(`invsync events: cannot reach NATS at ${config.natsUrl}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    return await readEvents(nc, config.natsStream, options, output);
  } catch (error) {
    output.err(`invsync events: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await nc.close();
  }
}

interface EventsOptions {
  readonly filterSubject: string;
  readonly start: Pick<ConsumerConfig, "deliver_policy" | "opt_start_seq" | "opt_start_time">;
  readonly last: number | undefined;
  readonly limit: number;
  readonly follow: boolean;
  readonly json: boolean;
}

function parseOptions(args: readonly string[], config: EventStreamConfig): EventsOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      sku: { type: "string" },
      type: { type: "string" },
      "from-seq": { type: "string" },
      since: { type: "string" },
      last: { type: "string" },
      limit: { type: "string" },
      follow: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const starts = ["from-seq", "since", "last"].filter((name) => values[name as keyof typeof values] !== undefined);
  if (starts.length > 1) throw new Error(`--${starts.join(" and --")}: give one starting point`);
  const type = values.type === undefined ? "*" : typeToken(values.type.replace(/^[a-z]/, (c) => c.toUpperCase()));
  const sku = values.sku === undefined ? ">" : skuToken(values.sku);
  const filterSubject = sku === ">" && type === "*" ? `${config.natsSubjectPrefix}.v1.>` : `${config.natsSubjectPrefix}.v1.${type}.${sku === ">" ? "*" : sku}`;
  return {
    filterSubject,
    start: startOf(values["from-seq"], values.since),
    last: values.last === undefined ? undefined : whole("--last", values.last, 1),
    limit: values.limit === undefined ? (values.follow ? Number.POSITIVE_INFINITY : 100) : whole("--limit", values.limit, 1),
    follow: values.follow ?? false,
    json: values.json ?? false,
  };
}

function startOf(fromSeq: string | undefined, since: string | undefined): EventsOptions["start"] {
  if (fromSeq !== undefined) return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: whole("--from-seq", fromSeq, 1) };
  if (since !== undefined) {
    const at = new Date(since);
    if (Number.isNaN(at.getTime())) throw new Error(`--since "${since}": must be an ISO 8601 time such as 2026-12-06T10:00:00Z`);
    return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: at.toISOString() };
  }
  return { deliver_policy: DeliverPolicy.All };
}

function whole(flag: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`${flag} "${raw}": must be a whole number of at least ${min}`);
  return Number(raw);
}

async function readEvents(nc: NatsConnection, stream: string, options: EventsOptions, output: CliOutput): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const start = options.last === undefined ? options.start : await lastStart(jsm, stream, options.last);
  // An ephemeral pull consumer of our own (NATS 2.9 has no filtered ordered consumers); it vanishes
  // 30 s after we stop reading.
  const info = await jsm.consumers.add(stream, { ...start, filter_subject: options.filterSubject, ack_policy: AckPolicy.None, inactive_threshold: nanos(30_000) });
  const consumer = await jetstream(nc).consumers.get(stream, info.name);
  const print = (message: JsMsg) => output.out(format(message, options.json));
  let printed = 0;
  if (options.follow) {
    for await (const message of await consumer.consume()) {
      print(message);
      if (++printed >= options.limit) break;
    }
    return 0;
  }
  const wanted = Math.min(info.num_pending, options.limit);
  for (let got = -1; printed < wanted && got !== 0; ) {
    got = 0;
    for await (const message of await consumer.fetch({ max_messages: Math.min(1000, wanted - printed), expires: 2000 })) {
      print(message);
      printed++;
      got++;
    }
  }
  if (printed === 0) output.err(`no events on ${options.filterSubject} in stream ${stream} from that point`);
  return 0;
}

/** Where the stream's last N events begin (the filter then applies to those). */
async function lastStart(jsm: Awaited<ReturnType<typeof jetstreamManager>>, stream: string, last: number): Promise<EventsOptions["start"]> {
  const { state } = await jsm.streams.info(stream);
  return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(state.first_seq, state.last_seq - last + 1, 1) };
}

function format(message: JsMsg, json: boolean): string {
  const headers: Record<string, string> = {};
  for (const [key, values] of message.headers ?? []) headers[key] = values[0] ?? "";
  const named = headers["Invsync-Message"];
  let decoded: { line: string; json: unknown };
  try {
    const alert = decodeAlert(named, message.data);
    if (alert) decoded = alert;
    else {
      const event = fromBinary(InventoryEventSchema, message.data);
      decoded = { line: describeEvent(event), json: toJson(InventoryEventSchema, event) };
    }
  } catch (error) {
    const reason = `not an ${named && named !== InventoryEventSchema.typeName ? named : InventoryEventSchema.typeName} (${error instanceof Error ? error.message : String(error)})`;
    return json ? JSON.stringify({ streamSequence: message.seq, subject: message.subject, undecodable: reason }) : `#${message.seq} ${message.subject}: ${reason}`;
  }
  if (!json) return `#${message.seq} ${decoded.line}`;
  return JSON.stringify({ streamSequence: message.seq, subject: message.subject, headers, event: decoded.json });
}
