using System.Diagnostics.Metrics;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Datasets;
using ConnectorHealth.Drift.PayloadContracts;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.Drift.StoredHistory;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ConnectorHealth.Drift.Detection;

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
/// costs three round trips whatever its size. The rules are <see cref="DriftDetector"/>'s.
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

    private readonly DriftDetector _detector = new(contracts, versionFields, options, time);

    /// <summary>Records a batch of runs (their payloads' schemas and their datasets'); returns the drift events to publish.</summary>
    public Task<ProcessResult> ProcessAsync(IReadOnlyList<RunCompleted> runs, CancellationToken cancellationToken)
    {
        var observed = Observe(runs, out var duplicates);
        return ProcessAsync(observed, duplicates, cancellationToken);
    }

    /// <summary>
    /// Records the datasets' schemas of a batch of runs in progress; returns the drift events to publish. A run's dataset
    /// observed before (an earlier progress of the run, or its completion) is a duplicate.
    /// </summary>
    public Task<ProcessResult> ProcessAsync(IReadOnlyList<RunInProgress> runs, CancellationToken cancellationToken)
    {
        var duplicates = 0;
        var seen = new HashSet<(Guid, string)>();
        var observed = new List<ObservedRun>();
        foreach (var received in runs)
        {
            var canonical = RunDefinition.Canonical(received);
            var problems = RunDefinition.Problems(canonical);
            if (problems.Count > 0)
            {
                throw new InvalidRunException(received.RunId, problems);
            }
            foreach (var observation in DatasetObservations.Of(canonical, options.Value.Inference))
            {
                if (seen.Add((observation.Run.RunId, observation.Run.Connector)))
                {
                    observed.Add(observation);
                }
                else
                {
                    duplicates++;
                }
            }
        }
        return ProcessAsync(observed, duplicates, cancellationToken);
    }

    private async Task<ProcessResult> ProcessAsync(List<ObservedRun> observed, int duplicates, CancellationToken cancellationToken)
    {
        if (observed.Count == 0)
        {
            return new ProcessResult(0, 0, 0, duplicates, []);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await _detector.DetectAsync(connection, transaction, observed, replayOf: null, cancellationToken);
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
        await ConnectorLocks.LockAsync(connection, transaction, [connector], cancellationToken);

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
            const int runJson = 0, status = 1;
            if (reader.GetString(status) != "held")
            {
                return ReplayResult.AlreadyReleased;
            }
            run = JsonSerializer.Deserialize<RunCompleted>(reader.GetString(runJson), DriftJson.Options)!;
        }

        await using (var forget = new NpgsqlCommand("DELETE FROM drift.runs WHERE run_id = $1 AND connector = $2", connection, transaction))
        {
            forget.Parameters.AddWithValue(run.RunId);
            forget.Parameters.AddWithValue(run.Connector);
            await forget.ExecuteNonQueryAsync(cancellationToken);
        }

        var observed = LineageNames.IsDatasetKey(run.Connector) && DatasetObservations.Restore(run, options.Value.Inference) is { } dataset
            ? new List<ObservedRun> { dataset }
            : Observe([run], out _);
        var result = await _detector.DetectAsync(connection, transaction, observed, quarantineId, cancellationToken);
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
            observed.AddRange(DatasetObservations.Of(run, options.Value.Inference));
        }
        return observed;
    }

    private void Record(ProcessResult result)
    {
        Runs.Add(result.Versioned, new KeyValuePair<string, object?>("outcome", RunOutcome.Versioned));
        Runs.Add(result.WithoutPayload, new KeyValuePair<string, object?>("outcome", RunOutcome.NoPayload));
        Runs.Add(result.Quarantined, new KeyValuePair<string, object?>("outcome", RunOutcome.Quarantined));
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
