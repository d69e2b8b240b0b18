using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Thresholds;
using ConnectorHealth.Contracts;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>
/// Turns runs and drift events into alerts. Each batch is one transaction under per-connector advisory locks (in key
/// order): the ledger makes a redelivered message change nothing, the rules are evaluated on what the database holds
/// (so the result does not depend on batching or arrival order), and each finding is written on its fingerprint.
/// </summary>
public sealed class AlertEngine(
    NpgsqlDataSource dataSource, IOptionsMonitor<AlertingOptions> options, TimeProvider time,
    RunLedger ledger, AlertWriter alerts, GroupFlusher groups)
{
    private const int ConnectorsPerTransaction = 100;

    // Rules that must be evaluated even when no run arrives (freshness), or that clear by themselves.
    private static readonly string[] RunRules =
        [RuleNames.ConsecutiveFailures, RuleNames.Freshness, RuleNames.SloBurn, RuleNames.RateLimit, RuleNames.LatencyAnomaly,
         RuleNames.Quality, RuleNames.Volume, RuleNames.StuckRun];

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<RunCompleted>> NoFreshRuns =
        new Dictionary<string, IReadOnlyList<RunCompleted>>();

    /// <summary>Records a batch of runs and evaluates the rules of their connectors.</summary>
    public async Task<AlertChanges> ProcessRunsAsync(IReadOnlyList<RunCompleted> runs, CancellationToken cancellationToken)
    {
        // A run that breaks the run definition throws before any write (set aside by the consumer, never stored altered);
        // the rest are kept as every store keeps them: UTC to the microsecond.
        var distinct = runs.DistinctBy(r => r.RunId).Select(InvalidRunException.ThrowIfInvalid).ToList();
        if (distinct.Count == 0)
        {
            return AlertChanges.None;
        }
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ConnectorLocks.LockAsync(connection, transaction, ConnectorsOf(distinct.Select(r => r.Connector)), cancellationToken);
        var fresh = await RunLedger.RecordRunsAsync(connection, transaction, distinct, cancellationToken);
        var changes = new AlertChanges();
        if (fresh.Count > 0)
        {
            var freshByConnector = fresh.GroupBy(r => r.Connector, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<RunCompleted>)g.ToList());
            await EvaluateAsync(connection, transaction, ConnectorsOf(freshByConnector.Keys), freshByConnector, now, changes, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return changes;
    }

    /// <summary>
    /// Records runs in progress (a run whose RunCompleted was taken in already is ignored) and evaluates the rules of their
    /// connectors: a streaming run that speaks again is no longer silent.
    /// </summary>
    public async Task<AlertChanges> ProcessProgressAsync(IReadOnlyList<RunInProgress> progress, CancellationToken cancellationToken)
    {
        var valid = progress.Select(ThrowIfInvalid).ToList();
        if (valid.Count == 0)
        {
            return AlertChanges.None;
        }
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ConnectorLocks.LockAsync(connection, transaction, ConnectorsOf(valid.Select(p => p.Connector)), cancellationToken);
        var changed = await LineageLedger.RecordProgressAsync(connection, transaction, valid, cancellationToken);
        var changes = new AlertChanges();
        if (changed.Length > 0)
        {
            await EvaluateAsync(connection, transaction, changed, NoFreshRuns, now, changes, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return changes;
    }

    // As InvalidRunException.ThrowIfInvalid does for a completed run: set aside by the consumer, never stored altered.
    private static RunInProgress ThrowIfInvalid(RunInProgress run)
    {
        var canonical = RunDefinition.Canonical(run);
        var problems = RunDefinition.Problems(canonical);
        return problems.Count == 0 ? canonical : throw new InvalidRunException(run.RunId, problems);
    }

    /// <summary>Records drift events (each once) as schema drift alerts.</summary>
    public async Task<AlertChanges> ProcessDriftAsync(IReadOnlyList<SchemaDriftDetected> events, CancellationToken cancellationToken)
    {
        var distinct = events.DistinctBy(e => e.EventId).Where(e => !string.IsNullOrWhiteSpace(e.Connector)).ToList();
        if (distinct.Count == 0)
        {
            return AlertChanges.None;
        }
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var connectors = ConnectorsOf(distinct.Select(e => e.Connector));
        await ConnectorLocks.LockAsync(connection, transaction, connectors, cancellationToken);
        var freshIds = await RunLedger.RecordDriftEventsAsync(connection, transaction, distinct, cancellationToken);

        var changes = new AlertChanges();
        var context = await EvaluationContext.LoadAsync(connection, transaction, connectors, now, cancellationToken);
        foreach (var drift in distinct.Where(e => freshIds.Contains(e.EventId)).OrderBy(e => e.FinishedAt))
        {
            var occurrence = new Occurrence($"drift:{drift.EventId}", drift.FinishedAt, $"run {drift.RunId}");
            var firing = new Firing(drift.Connector, DriftRule.Evaluate(drift), [occurrence]);
            await alerts.RecordFiringAsync(connection, transaction, context, [firing], now, changes, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return changes;
    }

    /// <summary>
    /// Evaluates every connector that has an expected interval or an open alert: freshness fires although no message
    /// arrives, alerts whose condition held clear long enough resolve, alerts held at their raise are told once nothing
    /// holds them, and alerts nobody acknowledged escalate.
    /// </summary>
    public async Task<AlertChanges> EvaluateAllAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var connectors = new List<string>();
        await using (var command = dataSource.CreateCommand(
            """
            SELECT connector FROM alerting.connectors WHERE expected_interval IS NOT NULL
            UNION SELECT connector FROM alerting.alerts WHERE state <> 'resolved'
            UNION SELECT connector FROM alerting.runs_in_progress
            ORDER BY 1
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                connectors.Add(reader.GetString(0));
            }
        }

        var changes = new AlertChanges();
        foreach (var chunk in connectors.Chunk(ConnectorsPerTransaction))
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await ConnectorLocks.LockAsync(connection, transaction, chunk, cancellationToken);
            await EvaluateAsync(connection, transaction, chunk, NoFreshRuns, now, changes, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await groups.ReleaseHeldAsync(cancellationToken);
        await groups.EscalateDueAsync(cancellationToken);
        await ledger.ForgetOldRunsAsync(now, cancellationToken);
        return changes;
    }

    // The rule loop: every run rule of the connectors on what the database holds. What fires is written (fresh runs are
    // the occurrences of what they triggered); an open alert no rule fires any more is cleared.
    private async Task EvaluateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors,
        IReadOnlyDictionary<string, IReadOnlyList<RunCompleted>> freshRuns, DateTimeOffset now, AlertChanges changes,
        CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var fromApi = await RuleOverridesStore.LoadAsync(connection, transaction, connectors, cancellationToken);
        var thresholds = connectors.ToDictionary(c => c, c => settings.ThresholdsFor(c, fromApi.GetValueOrDefault(c)), StringComparer.Ordinal);
        var facts = await ConnectorFactsReader.ReadAsync(connection, transaction, connectors, thresholds, freshRuns, now, cancellationToken);
        var lineage = await LineageFactsReader.ReadAsync(connection, transaction, connectors, thresholds, cancellationToken);
        var context = await EvaluationContext.LoadAsync(connection, transaction, connectors, now, cancellationToken);
        var toWrite = new List<Firing>();
        var firingFingerprints = new HashSet<string>(StringComparer.Ordinal);
        foreach (var connector in connectors)
        {
            var findings = Evaluate(connector, facts[connector], thresholds[connector], freshRuns.GetValueOrDefault(connector) ?? [], now);
            findings.AddRange(EvaluateLineage(connector, lineage[connector], thresholds[connector], now));
            foreach (var firing in findings)
            {
                firingFingerprints.Add(firing.Fingerprint);
                // Still firing with nothing new (no run triggered it again, not clearing): nothing to write.
                if (firing.Occurrences.Count == 0 && context.OpenAlerts.Any(a => a.Fingerprint == firing.Fingerprint && a.ClearSince is null))
                {
                    continue;
                }
                toWrite.Add(firing);
            }
        }
        // Every connector's findings in two statements: each connector has one finding per rule, so no fingerprint repeats.
        await alerts.RecordFiringAsync(connection, transaction, context, toWrite, now, changes, cancellationToken);
        foreach (var open in context.OpenAlerts.Where(a => RunRules.Contains(a.Rule) && !firingFingerprints.Contains(a.Fingerprint)).ToList())
        {
            await alerts.ClearAsync(connection, transaction, context, open, now, changes, cancellationToken,
                immediately: RuleNames.SettledByALaterRun.Contains(open.Rule));
        }
    }

    // One connector's findings. Failure and freshness first: they inhibit the others' notifications.
    private static List<Firing> Evaluate(
        string connector, ConnectorFacts facts, RuleThresholds thresholds, IReadOnlyList<RunCompleted> freshRuns, DateTimeOffset now)
    {
        var findings = new List<Firing>();
        if (ConsecutiveFailuresRule.Evaluate(connector, facts.FailureStreak.Count, facts.LastErrorType, facts.LastErrorMessage, thresholds)
            is { } failing)
        {
            var failedRuns = facts.FailureStreak.Select(run => new Occurrence($"run:{run.RunId}", run.FinishedAt, $"failed run {run.RunId}"));
            findings.Add(new Firing(connector, failing, failedRuns.ToList()));
        }
        if (FreshnessRule.Evaluate(connector, facts.LastSuccessAt, facts.FirstSeenAt, facts.ExpectedInterval, now, thresholds) is { } stale)
        {
            var since = facts.LastSuccessAt ?? facts.FirstSeenAt!.Value;
            findings.Add(new Firing(connector, stale, [new Occurrence($"stale:{since.UtcTicks}", now, $"no successful run since {since:O}")]));
        }
        if (SloBurn.Evaluate(connector, facts.SloWindows, thresholds) is { } burning)
        {
            findings.Add(new Firing(connector, burning, freshRuns.Where(r => r.Status == RunStatus.Failed).Select(RunOccurrence).ToList()));
        }
        if (RateLimitRule.Evaluate(connector, facts.RateLimitWindow, thresholds) is { } limited)
        {
            findings.Add(new Firing(connector, limited, freshRuns.Where(r => r.RateLimited && r.Status != RunStatus.Aborted).Select(RunOccurrence).ToList()));
        }
        if (EvaluateLatency(connector, facts, thresholds) is { } slow)
        {
            findings.Add(slow);
        }
        return findings;
    }

    // An OpenLineage job's findings: each failing assertion, each output dataset whose latest write is anomalous, each run
    // that should have finished or spoken by now.
    private static IEnumerable<Firing> EvaluateLineage(string connector, LineageFacts facts, RuleThresholds thresholds, DateTimeOffset now)
    {
        foreach (var result in facts.Assertions.OrderBy(a => a.DatasetKey, StringComparer.Ordinal).ThenBy(a => a.Assertion, StringComparer.Ordinal)
                     .ThenBy(a => a.Column, StringComparer.Ordinal))
        {
            if (QualityRule.Evaluate(result) is { } failed)
            {
                yield return new Firing(connector, failed,
                    [new Occurrence($"run:{result.RunId}", result.FinishedAt, $"failed in run {result.RunId}")]);
            }
        }
        foreach (var dataset in facts.Volumes.Values.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            if (VolumeRule.Evaluate(dataset.Key, dataset.Namespace, dataset.Name, dataset.Writes, thresholds) is { } odd)
            {
                var latest = dataset.Writes[^1];
                yield return new Firing(connector, odd, [new Occurrence($"run:{latest.RunId}", latest.FinishedAt, $"{latest.Rows} rows")]);
            }
        }
        foreach (var run in facts.Running.OrderBy(r => r.RunId))
        {
            if (StuckRunRule.Evaluate(run, facts.SuccessfulDurations, now, thresholds) is { } stuck)
            {
                var occurrence = run.Streaming
                    ? new Occurrence($"silent:{run.RunId}:{run.UpdatedAt.UtcTicks}", run.UpdatedAt, $"no event since {AlertText.Timestamp(run.UpdatedAt)}")
                    : new Occurrence($"stuck:{run.RunId}", run.StartedAt, $"running since {AlertText.Timestamp(run.StartedAt)}");
                yield return new Firing(connector, stuck, [occurrence]);
            }
        }
    }

    // A slowdown: each of the latest LatencySlowRuns successful runs is judged against the successful runs before it
    // (median and MAD, so one spike does not poison the baseline), and the condition holds while every one of them is
    // far above it. One slow run among normal ones is a long tail, not something to act on.
    private static Firing? EvaluateLatency(string connector, ConnectorFacts facts, RuleThresholds thresholds)
    {
        var successes = facts.RecentSuccesses; // oldest first
        var slowRuns = thresholds.LatencySlowRuns;
        if (successes.Count < slowRuns)
        {
            return null;
        }
        Finding? latest = null;
        var occurrences = new List<Occurrence>();
        for (var index = successes.Count - slowRuns; index < successes.Count; index++)
        {
            var run = successes[index];
            var baseline = successes.Take(index).TakeLast(thresholds.LatencyBaselineRuns).Select(s => s.LatencyMs).ToList();
            if (LatencyBaseline.Evaluate(connector, run.LatencyMs, baseline, thresholds) is not { } finding)
            {
                return null;
            }
            occurrences.Add(new Occurrence($"run:{run.RunId}", run.FinishedAt, $"{run.LatencyMs:0} ms"));
            latest = finding;
        }
        var message = slowRuns == 1 ? latest!.Message : $"The last {slowRuns} successful runs were each far slower than usual; the latest: {latest!.Message}";
        return new Firing(connector, latest with { Message = message }, occurrences);
    }

    private static Occurrence RunOccurrence(RunCompleted run) =>
        new($"run:{run.RunId}", run.FinishedAt, run.Status == RunStatus.Failed ? $"failed: {run.ErrorType ?? "unknown"}" : "rate limited");

    private static string[] ConnectorsOf(IEnumerable<string> connectors) =>
        connectors.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
}
