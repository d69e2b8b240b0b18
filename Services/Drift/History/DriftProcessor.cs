using System.Diagnostics.Metrics;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.DataContracts;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Drift.History;

/// <summary>
/// Turns runs into schema history. Each run's payload schema is inferred (no database work), then one transaction per
/// batch: per-connector advisory locks (in key order, so replicas never deadlock and each connector's history is
/// written by one batch at a time), the run ledger (a run counts once however often it is delivered), versions,
/// drift events and the connector's position.
/// <para>
/// History is ordered by the runs' <c>FinishedAt</c>, not by arrival: a drift event sits on each run whose version
/// differs from the version of the run before it. A run that arrives after later runs were recorded is put in its
/// place: the events at it and at the run after it are recomputed. So the events are a function of the runs, whatever
/// the order, concurrency or duplication of deliveries. A batch whose runs all carry the connector's current schema
/// costs three round trips whatever its size.
/// </para>
/// </summary>
public sealed partial class DriftProcessor(
    NpgsqlDataSource dataSource,
    SchemaInferrer inferrer,
    ContractRules contracts,
    VersionFieldsCache versionFields,
    IOptions<DriftOptions> options,
    TimeProvider time,
    ILogger<DriftProcessor> logger)
{
    private static readonly Counter<long> Runs = Telemetry.Meter.CreateCounter<long>(
        "connectorhealth.drift.runs", description: "Runs taken in by the drift service (tag: outcome)");
    private static readonly Counter<long> Events = Telemetry.Meter.CreateCounter<long>(
        "connectorhealth.drift.events", description: "Drift events recorded (tag: kind)");

    /// <summary>Records a batch of runs; returns the drift events to publish.</summary>
    public async Task<ProcessResult> ProcessAsync(IReadOnlyList<RunCompleted> runs, CancellationToken cancellationToken)
    {
        var observed = Observe(runs, out var duplicates);
        if (observed.Count == 0)
        {
            return new ProcessResult(0, 0, 0, duplicates, []);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await ProcessAsync(connection, transaction, observed, replayOf: null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        result = result with { Duplicates = result.Duplicates + duplicates };
        Record(result);
        return result;
    }

    /// <summary>
    /// Re-checks a quarantined run against the connector's current contract and, when it now passes (or the contract
    /// no longer quarantines), releases it: it is processed as it would have been on arrival.
    /// </summary>
    public async Task<ReplayResult> ReplayAsync(Guid quarantineId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The connector's lock first (the order every batch takes), then the row, locked, read again: of concurrent
        // replays of one run, the first releases it and the others, waiting on the lock, then find it released.
        string connector;
        await using (var find = new NpgsqlCommand("SELECT connector FROM drift.quarantine WHERE quarantine_id = $1", connection, transaction))
        {
            find.Parameters.AddWithValue(quarantineId);
            if (await find.ExecuteScalarAsync(cancellationToken) is not string found)
            {
                return ReplayResult.NotFound;
            }
            connector = found;
        }
        await LockAsync(connection, transaction, [connector], cancellationToken);

        RunCompleted run;
        await using (var held = new NpgsqlCommand(
            "SELECT run::text, status FROM drift.quarantine WHERE quarantine_id = $1 FOR UPDATE", connection, transaction))
        {
            held.Parameters.AddWithValue(quarantineId);
            await using var reader = await held.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return ReplayResult.NotFound;
            }
            if (reader.GetString(1) != "held")
            {
                return ReplayResult.AlreadyReleased;
            }
            run = JsonSerializer.Deserialize<RunCompleted>(reader.GetString(0), DriftJson.Options)!;
        }

        await using (var forget = new NpgsqlCommand("DELETE FROM drift.runs WHERE run_id = $1", connection, transaction))
        {
            forget.Parameters.AddWithValue(run.RunId);
            await forget.ExecuteNonQueryAsync(cancellationToken);
        }

        var observed = Observe([run], out _);
        var result = await ProcessAsync(connection, transaction, observed, quarantineId, cancellationToken);
        if (result.Quarantined > 0)
        {
            // Still breaks the contract: nothing changes.
            await transaction.RollbackAsync(cancellationToken);
            return new ReplayResult(ReplayStatus.StillViolates, result.Violations, null, []);
        }
        await transaction.CommitAsync(cancellationToken);
        Record(result);
        return new ReplayResult(ReplayStatus.Released, [], result.ReleasedVersion, result.ToPublish);
    }

    private List<ObservedRun> Observe(IReadOnlyList<RunCompleted> runs, out int duplicates)
    {
        duplicates = 0;
        var seen = new HashSet<Guid>();
        var observed = new List<ObservedRun>(runs.Count);
        foreach (var received in runs)
        {
            if (!seen.Add(received.RunId))
            {
                duplicates++;
                continue;
            }
            // A run that breaks the run definition throws before any write: set aside with its reason, never stored
            // altered (a time with an offset is the same instant, kept in UTC to the microsecond like every store).
            var run = InvalidRunException.ThrowIfInvalid(received);
            var schema = run.Payload is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } payload
                ? inferrer.Infer(payload, run.PayloadTruncated)
                : null;
            observed.Add(new ObservedRun(run, schema));
        }
        return observed;
    }

    private async Task<ProcessResult> ProcessAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<ObservedRun> observed, Guid? replayOf,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var window = options.Value.OscillationWindow;
        var connectors = observed.Select(o => o.Run.Connector).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var context = await LoadAsync(connection, transaction, connectors, observed, cancellationToken);

        var fresh = observed.Where(o => !context.Existing.Contains(o.Run.RunId)).ToList();
        var work = new BatchWork();
        // A cut payload with a schema not seen before may just be the current schema with parts left out: the current
        // versions' fields are needed to tell.
        var currentOfCut = fresh
            .Where(o => o.Schema is { Partial: true } && !context.Versions.ContainsKey((o.Run.Connector, o.Schema.Fingerprint)))
            .Select(o => context.States.GetValueOrDefault(o.Run.Connector) is { CurrentVersion: { } v } ? (o.Run.Connector, v) : default)
            .Where(k => k.Connector is not null)
            .Distinct()
            .ToArray();
        context.CurrentFields = await versionFields.LoadAsync(connection, transaction, currentOfCut, cancellationToken);
        foreach (var group in fresh.GroupBy(o => o.Run.Connector, StringComparer.Ordinal))
        {
            var connector = group.Key;
            var state = context.States.GetValueOrDefault(connector) ?? ConnectorState.New(connector);
            context.Contracts.TryGetValue(connector, out var contract);
            var versioned = new List<ObservedRun>();

            foreach (var run in group)
            {
                if (run.Schema is null)
                {
                    work.Runs.Add(new RunRow(run.Run.RunId, connector, run.Run.FinishedAt, "no_payload", null));
                    continue;
                }
                if (contract is not null)
                {
                    run.Violations = contracts.Check(connector, contract.Revision, contract.Schema, run.Run.Payload!.Value);
                }
                if (run.Violations.Count > 0 && contract!.Policy == ContractPolicy.Quarantine)
                {
                    work.Runs.Add(new RunRow(run.Run.RunId, connector, run.Run.FinishedAt, "quarantined", null));
                    work.Quarantine.Add(run);
                    work.Events.Add(EventAt(run, state.CurrentVersion, null, DriftKind.ContractViolation, oscillating: false,
                        state.Compatibility, DriftAction.Quarantined, notify: true));
                    work.Violations = run.Violations;
                    continue;
                }
                versioned.Add(run);
            }

            versioned.Sort((a, b) => RunOrder.Compare(a.Run.FinishedAt, a.Run.RunId, b.Run.FinishedAt, b.Run.RunId));
            foreach (var run in versioned)
            {
                run.Version = ResolveVersion(context, work, state, run);
                work.Count(connector, run.Version.Value, run.Run.FinishedAt);
                work.ReleasedVersion = run.Version;
            }

            // Runs that finished before the connector's latest recorded run are put in their place first (they are
            // all earlier than the rest of the batch, which is sorted).
            var inOrder = new List<ObservedRun>(versioned.Count);
            foreach (var run in versioned)
            {
                if (state.LatestFinishedAt is { } latest && RunOrder.Compare(run.Run.FinishedAt, run.Run.RunId, latest, state.LatestRunId!.Value) < 0)
                {
                    await PlaceLateRunAsync(connection, transaction, work, state, run, cancellationToken);
                }
                else
                {
                    inOrder.Add(run);
                }
            }

            var previous = state.CurrentVersion;
            DateTimeOffset? lastEventAt = null;
            var lastOscillating = false;
            if (context.LastEvents.TryGetValue(connector, out var lastEvent))
            {
                (lastEventAt, lastOscillating) = lastEvent;
            }
            var currentSince = state.CurrentSince;
            var alertedContract = contract?.AlertedAt is not null;
            foreach (var run in inOrder)
            {
                var version = run.Version!.Value;
                var violating = run.Violations.Count > 0;
                work.Runs.Add(new RunRow(run.Run.RunId, connector, run.Run.FinishedAt, "versioned", version));
                if (previous is { } from && from != version)
                {
                    var kind = work.CreatedBy.Contains(run.Run.RunId) ? DriftKind.NewVersion : DriftKind.Reverted;
                    var oscillating = kind == DriftKind.Reverted && lastEventAt is { } last && run.Run.FinishedAt - last <= window;
                    var notify = !oscillating || !lastOscillating || violating;
                    work.Events.Add(EventAt(run, from, version, kind, oscillating, state.Compatibility, DriftAction.Alerted, notify));
                    lastEventAt = run.Run.FinishedAt;
                    lastOscillating = oscillating;
                    currentSince = run.Run.FinishedAt;
                    alertedContract |= violating;
                }
                else if (violating && !alertedContract)
                {
                    // Under the alert policy a broken contract is reported once per contract revision, not per run.
                    work.Events.Add(EventAt(run, version, version, DriftKind.ContractViolation, oscillating: false,
                        state.Compatibility, DriftAction.Alerted, notify: true));
                    alertedContract = true;
                }
                if (previous is null)
                {
                    currentSince = run.Run.FinishedAt;
                }
                previous = version;
            }
            if (alertedContract && contract is { AlertedAt: null })
            {
                work.ContractsAlerted.Add(connector);
            }
            if (inOrder.Count > 0)
            {
                var latestRun = inOrder[^1].Run;
                work.States.Add(state with
                {
                    LatestRunId = latestRun.RunId,
                    LatestFinishedAt = latestRun.FinishedAt,
                    CurrentVersion = previous,
                    CurrentSince = currentSince,
                });
            }
        }

        await DescribeChangesAsync(connection, transaction, work, cancellationToken);
        var published = await WriteAsync(connection, transaction, work, replayOf, now, cancellationToken);
        return new ProcessResult(
            Versioned: work.Runs.Count(r => r.Outcome == "versioned") + work.LateRuns,
            WithoutPayload: work.Runs.Count(r => r.Outcome == "no_payload"),
            Quarantined: work.Quarantine.Count,
            Duplicates: observed.Count - fresh.Count,
            ToPublish: published.Concat(work.LatePublished).ToArray())
        {
            Violations = work.Violations,
            ReleasedVersion = work.ReleasedVersion,
        };
    }

    private int ResolveVersion(BatchContext context, BatchWork work, ConnectorState state, ObservedRun run)
    {
        var connector = state.Connector;
        var key = (connector, run.Schema!.Fingerprint);
        if (context.Versions.TryGetValue(key, out var known))
        {
            return known;
        }
        // A cut payload (truncated, or an inference limit hit) whose fields all fit the current version is a run of
        // that version with parts missing, not a new schema with fields removed.
        if (run.Schema.Partial && state.CurrentVersion is { } current && FitsWithin(run.Schema.Fields, context.CurrentFields[(connector, current)]))
        {
            return current;
        }
        var next = context.MaxVersions.GetValueOrDefault(connector) + 1;
        context.MaxVersions[connector] = next;
        context.Versions[key] = next;
        work.NewVersions.Add(new NewVersion(connector, next, run.Schema, PayloadSample.Of(run.Run, options.Value.VersionSampleChars)));
        work.CreatedBy.Add(run.Run.RunId);
        return next;
    }

    private static bool FitsWithin(IReadOnlyList<FieldSchema> part, IReadOnlyList<FieldSchema> whole)
    {
        var byPath = whole.ToDictionary(f => f.Path, StringComparer.Ordinal);
        return part.All(f => byPath.TryGetValue(f.Path, out var w) && (f.Types & ~w.Types) == 0 && (!f.Nullable || w.Nullable));
    }

    // A run R that finished before the connector's latest recorded run is put in its place between its predecessor P
    // and successor S (read from the ledger). Events stay a function of the runs: where R carries P's version nothing
    // changes; where it carries S's, the change at S happened at R already (the event moves, keeping its identity and
    // whether it was published); otherwise R gets the change from P and the event at S now starts from R's version.
    // Only a version first seen at R is news to publish; the rest corrects history that was already told.
    private async Task PlaceLateRunAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, BatchWork work, ConnectorState state, ObservedRun run,
        CancellationToken cancellationToken)
    {
        var version = run.Version!.Value;
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            """
            SELECT run_id, version FROM drift.runs
            WHERE connector = $1 AND version IS NOT NULL AND (finished_at, run_id) < ($2, $3)
            ORDER BY finished_at DESC, run_id DESC LIMIT 1
            """, Text(state.Connector), Instant(run.Run.FinishedAt), Uuid(run.Run.RunId)));
        batch.BatchCommands.Add(Command(
            """
            SELECT s.run_id, s.version, s.finished_at, e.event_id, e.kind
            FROM (SELECT run_id, version, finished_at FROM drift.runs
                  WHERE connector = $1 AND version IS NOT NULL AND (finished_at, run_id) > ($2, $3)
                  ORDER BY finished_at, run_id LIMIT 1) s
            LEFT JOIN drift.drift_events e ON e.run_id = s.run_id AND e.kind <> 'contract_violation'
            """, Text(state.Connector), Instant(run.Run.FinishedAt), Uuid(run.Run.RunId)));
        int? before = null;
        (Guid RunId, int Version, DateTimeOffset FinishedAt, long? EventId, string? Kind)? after = null;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                before = reader.GetInt32(1);
            }
            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                after = (reader.GetGuid(0), reader.GetInt32(1), reader.GetFieldValue<DateTimeOffset>(2),
                    reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4));
            }
        }

        var late = new BatchWork();
        late.Runs.Add(new RunRow(run.Run.RunId, state.Connector, run.Run.FinishedAt, "versioned", version));
        late.NewVersions.AddRange(work.NewVersions);
        var kind = work.CreatedBy.Contains(run.Run.RunId) ? DriftKind.NewVersion : DriftKind.Reverted;
        var notify = kind == DriftKind.NewVersion || run.Violations.Count > 0;
        var moved = false;
        EventRow? refrom = null;
        if (before is { } from && from != version)
        {
            if (after is { EventId: not null } next && next.Version == version)
            {
                moved = true;
            }
            else
            {
                late.Events.Add(EventAt(run, from, version, kind, oscillating: false, state.Compatibility, DriftAction.Alerted, notify));
            }
        }
        if (after is { } successor && successor.Version != version && before != version)
        {
            if (successor.EventId is null)
            {
                late.Events.Add(new EventRow(state.Connector, successor.RunId, successor.FinishedAt, null, version, successor.Version,
                    DriftKind.Reverted, Oscillating: false, state.Compatibility, DriftAction.Alerted, [], Notify: false));
            }
            else
            {
                refrom = new EventRow(state.Connector, successor.RunId, successor.FinishedAt, null, version, successor.Version,
                    DriftKind.Reverted, Oscillating: false, state.Compatibility, DriftAction.Alerted, [], Notify: false);
                late.Events.Add(refrom);
            }
        }
        await DescribeChangesAsync(connection, transaction, late, cancellationToken);

        await using (var update = new NpgsqlBatch(connection, transaction))
        {
            if (moved)
            {
                update.BatchCommands.Add(Command(
                    "UPDATE drift.drift_events SET run_id = $2, finished_at = $3 WHERE event_id = $1",
                    new NpgsqlParameter { Value = after!.Value.EventId!.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
                    Uuid(run.Run.RunId), Instant(run.Run.FinishedAt)));
            }
            if (refrom is not null)
            {
                late.Events.Remove(refrom);
                update.BatchCommands.Add(Command(
                    "UPDATE drift.drift_events SET from_version = $2, changes = $3::jsonb, breaking = $4 WHERE event_id = $1",
                    new NpgsqlParameter { Value = after!.Value.EventId!.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
                    new NpgsqlParameter { Value = version, NpgsqlDbType = NpgsqlDbType.Integer },
                    Text(JsonSerializer.Serialize(refrom.Changes, DriftJson.Options)),
                    new NpgsqlParameter { Value = refrom.Breaking, NpgsqlDbType = NpgsqlDbType.Boolean }));
            }
            if (update.BatchCommands.Count > 0)
            {
                await update.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        // The version rows come with the batch's final write; events here only need their numbers.
        late.NewVersions.Clear();
        work.LatePublished.AddRange(await WriteAsync(connection, transaction, late, replayOf: null, time.GetUtcNow(), cancellationToken));
        work.LateRuns++;
    }

    private async Task<BatchContext> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors, List<ObservedRun> observed,
        CancellationToken cancellationToken)
    {
        var context = new BatchContext();
        var withSchema = observed.Where(o => o.Schema is not null).ToArray();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(LockCommand(connectors));
        batch.BatchCommands.Add(Command("SELECT run_id FROM drift.runs WHERE run_id = ANY($1)",
            Column(observed.Select(o => o.Run.RunId).ToArray(), NpgsqlDbType.Uuid)));
        batch.BatchCommands.Add(Command(
            """
            SELECT connector, compatibility, current_version, current_since, latest_run_id, latest_finished_at
            FROM drift.connectors WHERE connector = ANY($1)
            """, Column(connectors, NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            "SELECT connector, policy, schema::text, updated_at, alerted_at FROM drift.contracts WHERE connector = ANY($1)",
            Column(connectors, NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            """
            SELECT v.connector, v.fingerprint, v.version FROM drift.schema_versions v
            JOIN unnest($1::text[], $2::text[]) AS k(connector, fingerprint) USING (connector, fingerprint)
            """,
            Column(withSchema.Select(o => o.Run.Connector).ToArray(), NpgsqlDbType.Text),
            Column(withSchema.Select(o => o.Schema!.Fingerprint).ToArray(), NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            "SELECT connector, max(version) FROM drift.schema_versions WHERE connector = ANY($1) GROUP BY connector",
            Column(connectors, NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            """
            SELECT DISTINCT ON (connector) connector, finished_at, oscillating FROM drift.drift_events
            WHERE connector = ANY($1) AND kind <> 'contract_violation'
            ORDER BY connector, finished_at DESC, event_id DESC
            """, Column(connectors, NpgsqlDbType.Text)));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            context.Existing.Add(reader.GetGuid(0));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            EnumNames.TryParse<CompatibilityMode>(reader.GetString(1), out var mode);
            context.States[reader.GetString(0)] = new ConnectorState(
                reader.GetString(0), mode,
                reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            EnumNames.TryParse<ContractPolicy>(reader.GetString(1), out var policy);
            context.Contracts[reader.GetString(0)] = new ContractRow(
                policy, JsonDocument.Parse(reader.GetString(2)).RootElement, reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            context.Versions[(reader.GetString(0), reader.GetString(1))] = reader.GetInt32(2);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            context.MaxVersions[reader.GetString(0)] = reader.GetInt32(1);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            context.LastEvents[reader.GetString(0)] = (reader.GetFieldValue<DateTimeOffset>(1), reader.GetBoolean(2));
        }
        return context;
    }

    // Fills in each event's changes: the diff between its versions' fields under the connector's mode.
    private async Task DescribeChangesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, BatchWork work, CancellationToken cancellationToken)
    {
        if (work.Events.Count == 0)
        {
            return;
        }
        var created = work.NewVersions.ToDictionary(v => (v.Connector, v.Version), v => v.Schema.Fields);
        var wanted = work.Events
            .SelectMany(e => new[] { e.FromVersion, e.ToVersion }.Where(v => v is not null).Select(v => (e.Connector, v!.Value)))
            .Where(k => !created.ContainsKey(k))
            .Distinct()
            .ToArray();
        var loaded = await versionFields.LoadAsync(connection, transaction, wanted, cancellationToken);

        IReadOnlyList<FieldSchema> Fields(string connector, int version) =>
            created.TryGetValue((connector, version), out var fields) ? fields : loaded[(connector, version)];

        foreach (var row in work.Events)
        {
            var connector = row.Connector;
            IReadOnlyList<FieldSchema> to = row.ToVersion is { } t ? Fields(connector, t) : row.Schema?.Fields ?? [];
            var changes = row.FromVersion is { } f && (row.ToVersion != f || row.Kind != DriftKind.ContractViolation)
                ? SchemaDiff.Compare(Fields(connector, f), to, row.Compatibility)
                : [];
            row.Changes = changes;
        }
    }

    private static async Task<List<SchemaDriftDetected>> WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, BatchWork work, Guid? replayOf, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (work.Runs.Count > 0)
        {
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO drift.runs (run_id, connector, finished_at, outcome, version)
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::integer[])
                ON CONFLICT (run_id) DO NOTHING
                """,
                Column(work.Runs.Select(r => r.RunId).ToArray(), NpgsqlDbType.Uuid),
                Column(work.Runs.Select(r => r.Connector).ToArray(), NpgsqlDbType.Text),
                Column(work.Runs.Select(r => r.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
                Column(work.Runs.Select(r => r.Outcome).ToArray(), NpgsqlDbType.Text),
                Column(work.Runs.Select(r => r.Version).ToArray(), NpgsqlDbType.Integer)));
        }
        if (work.NewVersions.Count > 0)
        {
            var counts = work.NewVersions.Select(v => work.Counts[(v.Connector, v.Version)]).ToArray();
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO drift.schema_versions (connector, version, fingerprint, fields, top_level_keys, partial, limits_hit,
                                                   first_seen, last_seen, run_count, sample_run_id, sample, sample_cut)
                SELECT c, v, f, fields::jsonb, keys::jsonb, p, limits::jsonb, fs, ls, n, sr, st, sc
                FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[],
                            $8::timestamptz[], $9::timestamptz[], $10::bigint[], $11::uuid[], $12::text[], $13::boolean[])
                     AS u(c, v, f, fields, keys, p, limits, fs, ls, n, sr, st, sc)
                """,
                Column(work.NewVersions.Select(v => v.Connector).ToArray(), NpgsqlDbType.Text),
                Column(work.NewVersions.Select(v => v.Version).ToArray(), NpgsqlDbType.Integer),
                Column(work.NewVersions.Select(v => v.Schema.Fingerprint).ToArray(), NpgsqlDbType.Text),
                Column(work.NewVersions.Select(v => StoredFields.Serialize(v.Schema.Fields)).ToArray(), NpgsqlDbType.Text),
                Column(work.NewVersions.Select(v => JsonSerializer.Serialize(v.Schema.TopLevelKeys)).ToArray(), NpgsqlDbType.Text),
                Column(work.NewVersions.Select(v => v.Schema.Partial).ToArray(), NpgsqlDbType.Boolean),
                Column(work.NewVersions.Select(v => JsonSerializer.Serialize(LimitsOf(v.Schema))).ToArray(), NpgsqlDbType.Text),
                Column(counts.Select(c => c.First).ToArray(), NpgsqlDbType.TimestampTz),
                Column(counts.Select(c => c.Last).ToArray(), NpgsqlDbType.TimestampTz),
                Column(counts.Select(c => c.Runs).ToArray(), NpgsqlDbType.Bigint),
                Column(work.NewVersions.Select(v => v.Sample?.RunId).ToArray(), NpgsqlDbType.Uuid),
                Column(work.NewVersions.Select(v => v.Sample?.Json).ToArray(), NpgsqlDbType.Text),
                Column(work.NewVersions.Select(v => v.Sample?.Cut ?? false).ToArray(), NpgsqlDbType.Boolean)));
        }
        var known = work.Counts.Where(c => !work.NewVersions.Any(v => v.Connector == c.Key.Connector && v.Version == c.Key.Version)).ToArray();
        if (known.Length > 0)
        {
            batch.BatchCommands.Add(Command(
                """
                UPDATE drift.schema_versions v
                SET run_count = v.run_count + u.n, first_seen = least(v.first_seen, u.fs), last_seen = greatest(v.last_seen, u.ls)
                FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::timestamptz[], $5::timestamptz[]) AS u(c, version, n, fs, ls)
                WHERE v.connector = u.c AND v.version = u.version
                """,
                Column(known.Select(k => k.Key.Connector).ToArray(), NpgsqlDbType.Text),
                Column(known.Select(k => k.Key.Version).ToArray(), NpgsqlDbType.Integer),
                Column(known.Select(k => k.Value.Runs).ToArray(), NpgsqlDbType.Bigint),
                Column(known.Select(k => k.Value.First).ToArray(), NpgsqlDbType.TimestampTz),
                Column(known.Select(k => k.Value.Last).ToArray(), NpgsqlDbType.TimestampTz)));
        }
        if (work.Quarantine.Count > 0)
        {
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO drift.quarantine (quarantine_id, run_id, connector, finished_at, run, fingerprint, violations, status)
                SELECT id, r, c, f, run::jsonb, fp, v::jsonb, 'held'
                FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[])
                     AS u(id, r, c, f, run, fp, v)
                ON CONFLICT (run_id) DO NOTHING
                """,
                Column(work.Quarantine.Select(_ => Guid.CreateVersion7()).ToArray(), NpgsqlDbType.Uuid),
                Column(work.Quarantine.Select(q => q.Run.RunId).ToArray(), NpgsqlDbType.Uuid),
                Column(work.Quarantine.Select(q => q.Run.Connector).ToArray(), NpgsqlDbType.Text),
                Column(work.Quarantine.Select(q => q.Run.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
                Column(work.Quarantine.Select(q => JsonSerializer.Serialize(q.Run, DriftJson.Options)).ToArray(), NpgsqlDbType.Text),
                Column(work.Quarantine.Select(q => q.Schema!.Fingerprint).ToArray(), NpgsqlDbType.Text),
                Column(work.Quarantine.Select(q => JsonSerializer.Serialize(q.Violations)).ToArray(), NpgsqlDbType.Text)));
        }
        if (replayOf is { } quarantineId)
        {
            batch.BatchCommands.Add(Command(
                "UPDATE drift.quarantine SET status = 'released', released_at = $2, released_version = $3 WHERE quarantine_id = $1",
                Uuid(quarantineId), Instant(now), new NpgsqlParameter { Value = (object?)work.ReleasedVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer }));
        }
        if (work.States.Count > 0)
        {
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO drift.connectors (connector, current_version, current_since, latest_run_id, latest_finished_at, updated_at)
                SELECT *, $6 FROM unnest($1::text[], $2::integer[], $3::timestamptz[], $4::uuid[], $5::timestamptz[])
                ON CONFLICT (connector) DO UPDATE SET
                    current_version = excluded.current_version, current_since = excluded.current_since,
                    latest_run_id = excluded.latest_run_id, latest_finished_at = excluded.latest_finished_at, updated_at = $6
                """,
                Column(work.States.Select(s => s.Connector).ToArray(), NpgsqlDbType.Text),
                Column(work.States.Select(s => s.CurrentVersion).ToArray(), NpgsqlDbType.Integer),
                Column(work.States.Select(s => s.CurrentSince).ToArray(), NpgsqlDbType.TimestampTz),
                Column(work.States.Select(s => s.LatestRunId).ToArray(), NpgsqlDbType.Uuid),
                Column(work.States.Select(s => s.LatestFinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
                Instant(now)));
        }
        if (work.ContractsAlerted.Count > 0)
        {
            batch.BatchCommands.Add(Command("UPDATE drift.contracts SET alerted_at = $2 WHERE connector = ANY($1)",
                Column(work.ContractsAlerted.ToArray(), NpgsqlDbType.Text), Instant(now)));
        }
        var events = work.Events;
        if (events.Count > 0)
        {
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO drift.drift_events (connector, run_id, finished_at, from_version, to_version, kind, oscillating, changes,
                                                compatibility, breaking, action, contract_violations, detected_at, notify)
                SELECT c, r, f, fv, tv, k, o, ch::jsonb, m, b, a, cv::jsonb, $13, n
                FROM unnest($1::text[], $2::uuid[], $3::timestamptz[], $4::integer[], $5::integer[], $6::text[], $7::boolean[],
                            $8::text[], $9::text[], $10::boolean[], $11::text[], $12::text[], $14::boolean[])
                     AS u(c, r, f, fv, tv, k, o, ch, m, b, a, cv, n)
                ON CONFLICT DO NOTHING
                RETURNING event_id, run_id
                """,
                Column(events.Select(e => e.Connector).ToArray(), NpgsqlDbType.Text),
                Column(events.Select(e => e.RunId).ToArray(), NpgsqlDbType.Uuid),
                Column(events.Select(e => e.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
                Column(events.Select(e => e.FromVersion).ToArray(), NpgsqlDbType.Integer),
                Column(events.Select(e => e.ToVersion).ToArray(), NpgsqlDbType.Integer),
                Column(events.Select(e => EnumNames.Name(e.Kind)).ToArray(), NpgsqlDbType.Text),
                Column(events.Select(e => e.Oscillating).ToArray(), NpgsqlDbType.Boolean),
                Column(events.Select(e => JsonSerializer.Serialize(e.Changes, DriftJson.Options)).ToArray(), NpgsqlDbType.Text),
                Column(events.Select(e => EnumNames.Name(e.Compatibility)).ToArray(), NpgsqlDbType.Text),
                Column(events.Select(e => e.Breaking).ToArray(), NpgsqlDbType.Boolean),
                Column(events.Select(e => EnumNames.Name(e.Action)).ToArray(), NpgsqlDbType.Text),
                Column(events.Select(e => JsonSerializer.Serialize(e.Violations)).ToArray(), NpgsqlDbType.Text),
                Instant(now),
                Column(events.Select(e => e.Notify).ToArray(), NpgsqlDbType.Boolean)));
        }
        if (batch.BatchCommands.Count == 0)
        {
            return [];
        }

        var ids = new Dictionary<Guid, long>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            if (events.Count > 0)
            {
                // The event insert is the last command: skip to its result.
                do
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        ids[reader.GetGuid(1)] = reader.GetInt64(0);
                    }
                }
                while (await reader.NextResultAsync(cancellationToken));
            }
        }

        return events
            .Where(e => e.Notify && ids.ContainsKey(e.RunId))
            .Select(e => e.ToMessage(ids[e.RunId], now))
            .ToList();
    }

    private static EventRow EventAt(
        ObservedRun run, int? from, int? to, DriftKind kind, bool oscillating, CompatibilityMode compatibility, DriftAction action,
        bool notify) =>
        new(run.Run.Connector, run.Run.RunId, run.Run.FinishedAt, run.Schema, from, to, kind, oscillating, compatibility, action,
            run.Violations, notify);

    private static IReadOnlyList<string> LimitsOf(InferredSchema schema) =>
        schema.PayloadTruncated ? [.. schema.LimitsHit, "payload-truncated"] : schema.LimitsHit;

    private static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(LockCommand(connectors));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand LockCommand(string[] connectors) => Command(
        """
        SELECT count(*) FROM (
            SELECT pg_advisory_xact_lock(hashtext('drift.connector'), k)
            FROM (SELECT DISTINCT hashtext(c) AS k FROM unnest($1::text[]) AS c ORDER BY k) keys
        ) locked
        """,
        Column(connectors, NpgsqlDbType.Text));

    private void Record(ProcessResult result)
    {
        Runs.Add(result.Versioned, new KeyValuePair<string, object?>("outcome", "versioned"));
        Runs.Add(result.WithoutPayload, new KeyValuePair<string, object?>("outcome", "no_payload"));
        Runs.Add(result.Quarantined, new KeyValuePair<string, object?>("outcome", "quarantined"));
        Runs.Add(result.Duplicates, new KeyValuePair<string, object?>("outcome", "duplicate"));
        foreach (var message in result.ToPublish)
        {
            Events.Add(1, new KeyValuePair<string, object?>("kind", EnumNames.Name(message.Kind)));
        }
        LogBatch(logger, result.Versioned, result.WithoutPayload, result.Quarantined, result.Duplicates, result.ToPublish.Count);
    }

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "Drift batch: {Versioned} versioned, {WithoutPayload} without payload, {Quarantined} quarantined, {Duplicates} duplicates, {Published} events to publish")]
    private static partial void LogBatch(ILogger logger, int versioned, int withoutPayload, int quarantined, int duplicates, int published);
}
