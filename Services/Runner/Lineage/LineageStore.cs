using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Publishing;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Runner.Lineage;

public enum LineageOutcomeKind
{
    /// <summary>Stored: it will reach the run history, drift and alerting.</summary>
    Accepted,

    /// <summary>The same event was stored before; nothing changed.</summary>
    AlreadyAccepted,

    /// <summary>Its run id is another run's (a run report's, or another job's).</summary>
    Conflict,

    /// <summary>With it, the run would break the one definition of a run (e.g. too many datasets in all).</summary>
    Invalid,
}

public sealed record LineageOutcome(LineageOutcomeKind Kind, string? Detail = null, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    public static readonly LineageOutcome Accepted = new(LineageOutcomeKind.Accepted);
    public static readonly LineageOutcome AlreadyAccepted = new(LineageOutcomeKind.AlreadyAccepted);
}

/// <summary>
/// Stores OpenLineage events and the runs merged from them (<c>runner.lineage_events</c>, <c>runner.lineage_runs</c>).
/// An event is stored and merged into its run in one transaction with whatever it makes due: a run that ends becomes a
/// pending <see cref="RunCompleted"/> (published like every reported run, across restarts), a run in progress is marked
/// for its <see cref="RunInProgress"/>. Each event of a batch is answered as if alone: one that cannot be stored is
/// rolled back to its savepoint and the others stay.
/// </summary>
public sealed class LineageStore(NpgsqlDataSource dataSource, IOptions<RunnerOptions> runnerOptions)
{
    /// <summary>What <c>runner.reported_runs</c> holds for a run id taken by OpenLineage events, not by a run report.</summary>
    private static readonly byte[] LineageFingerprint = "openlineage"u8.ToArray();

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { MaxDepth = 256 };

    /// <summary>Stores the events (in any order: each run's events are merged whatever their order) and answers each.</summary>
    public async Task<(LineageOutcome[] Outcomes, List<RunCompleted> Completed)> StoreAsync(
        IReadOnlyList<LineageEvent> events, CancellationToken cancellationToken)
    {
        var outcomes = new LineageOutcome[events.Count];
        var completed = new List<RunCompleted>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // One order for every writer (run id, then time), so two batches touching the same runs never deadlock.
        var order = Enumerable.Range(0, events.Count).OrderBy(i => events[i].RunId).ThenBy(i => events[i].EventTime).ToArray();
        foreach (var i in order)
        {
            var single = events.Count == 1;
            if (!single)
            {
                await transaction.SaveAsync("event", cancellationToken);
            }
            var (outcome, done) = await StoreOneAsync(connection, transaction, events[i], cancellationToken);
            outcomes[i] = outcome;
            if (outcome.Kind is LineageOutcomeKind.Conflict or LineageOutcomeKind.Invalid)
            {
                if (!single)
                {
                    await transaction.RollbackAsync("event", cancellationToken);
                }
                continue;
            }
            if (!single)
            {
                await transaction.ReleaseAsync("event", cancellationToken);
            }
            if (done is not null)
            {
                completed.Add(done);
            }
        }
        if (outcomes.All(o => o.Kind is LineageOutcomeKind.Conflict or LineageOutcomeKind.Invalid or LineageOutcomeKind.AlreadyAccepted))
        {
            await transaction.RollbackAsync(cancellationToken);
            return (outcomes, []);
        }
        await transaction.CommitAsync(cancellationToken);
        return (outcomes, completed);
    }

    private async Task<(LineageOutcome, RunCompleted?)> StoreOneAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, LineageEvent e, CancellationToken cancellationToken)
    {
        if (e.Kind != LineageEventKind.Run)
        {
            // A DatasetEvent or JobEvent: kept as received; it makes no run.
            await using var keep = new NpgsqlCommand(
                """
                INSERT INTO runner.lineage_events (event_hash, run_id, event_type, event_time, event)
                VALUES ($1, NULL, $2, $3, $4::jsonb) ON CONFLICT (event_hash) DO NOTHING
                """, connection, transaction);
            keep.Parameters.Add(new NpgsqlParameter { Value = e.Hash, NpgsqlDbType = NpgsqlDbType.Bytea });
            keep.Parameters.AddWithValue(e.Kind == LineageEventKind.Dataset ? "dataset" : "job");
            keep.Parameters.AddWithValue(e.EventTime);
            keep.Parameters.Add(new NpgsqlParameter { Value = e.Json, NpgsqlDbType = NpgsqlDbType.Jsonb });
            return (await keep.ExecuteNonQueryAsync(cancellationToken) == 0 ? LineageOutcome.AlreadyAccepted : LineageOutcome.Accepted, null);
        }
        await using (var known = new NpgsqlCommand("SELECT 1 FROM runner.lineage_events WHERE event_hash = $1", connection, transaction))
        {
            known.Parameters.Add(new NpgsqlParameter { Value = e.Hash, NpgsqlDbType = NpgsqlDbType.Bytea });
            if (await known.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return (LineageOutcome.AlreadyAccepted, null);
            }
        }
        await using (var report = new NpgsqlCommand("SELECT fingerprint FROM runner.reported_runs WHERE run_id = $1", connection, transaction))
        {
            report.Parameters.AddWithValue(e.RunId);
            if (await report.ExecuteScalarAsync(cancellationToken) is byte[] fingerprint && !fingerprint.AsSpan().SequenceEqual(LineageFingerprint))
            {
                return (new LineageOutcome(LineageOutcomeKind.Conflict,
                    $"Run {e.RunId} was already reported through POST /api/runs; a run id identifies one run."), null);
            }
        }

        // The run's row is claimed first (a placeholder when new), then locked: concurrent events of one run merge in turn.
        await using (var claim = new NpgsqlCommand(
            """
            INSERT INTO runner.lineage_runs (run_id, connector, state) VALUES ($1, $2, 'null'::jsonb) ON CONFLICT (run_id) DO NOTHING;
            """, connection, transaction))
        {
            claim.Parameters.AddWithValue(e.RunId);
            claim.Parameters.AddWithValue(e.Connector);
            await claim.ExecuteNonQueryAsync(cancellationToken);
        }
        LineageRunState? state;
        bool wasCompleted;
        DateTimeOffset? completeDueAt;
        await using (var read = new NpgsqlCommand(
            "SELECT state::text, completed, complete_due_at FROM runner.lineage_runs WHERE run_id = $1 FOR UPDATE", connection, transaction))
        {
            read.Parameters.AddWithValue(e.RunId);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            state = JsonSerializer.Deserialize<LineageRunState?>(reader.GetString(0), Json);
            wasCompleted = reader.GetBoolean(1);
            completeDueAt = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);
        }
        if (state is not null && (state.JobNamespace != e.JobNamespace || state.JobName != e.JobName))
        {
            return (new LineageOutcome(LineageOutcomeKind.Conflict,
                $"Run {e.RunId} is a run of job '{state.JobNamespace}' / '{state.JobName}'; an event of another job cannot use its run id."), null);
        }

        var merged = state is null ? LineageRunState.From(e) : state.Merge(e);
        var problems = merged.HasEnded ? RunDefinition.Problems(merged.Completed()) : RunDefinition.Problems(merged.InProgress());
        if (problems.Count > 0)
        {
            return (new LineageOutcome(LineageOutcomeKind.Invalid, "With this event the run would break the limits of a run.",
                problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray())), null);
        }

        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO runner.lineage_events (event_hash, run_id, event_type, event_time, event)
            VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT (event_hash) DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = e.Hash, NpgsqlDbType = NpgsqlDbType.Bytea });
            insert.Parameters.AddWithValue(e.RunId);
            insert.Parameters.AddWithValue(EnumNames.Name(e.Type));
            insert.Parameters.AddWithValue(e.EventTime);
            insert.Parameters.Add(new NpgsqlParameter { Value = e.Json, NpgsqlDbType = NpgsqlDbType.Jsonb });
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                // Stored by another request meanwhile (its transaction committed while this one waited for the run's lock).
                return (LineageOutcome.AlreadyAccepted, null);
            }
        }
        if (state is null)
        {
            await using var ledger = new NpgsqlCommand(
                "INSERT INTO runner.reported_runs (run_id, connector, fingerprint) VALUES ($1, $2, $3) ON CONFLICT (run_id) DO NOTHING",
                connection, transaction);
            ledger.Parameters.AddWithValue(e.RunId);
            ledger.Parameters.AddWithValue(e.Connector);
            ledger.Parameters.Add(new NpgsqlParameter { Value = LineageFingerprint, NpgsqlDbType = NpgsqlDbType.Bytea });
            await ledger.ExecuteNonQueryAsync(cancellationToken);
        }

        RunCompleted? done = null;
        var completedNow = false;
        if (!wasCompleted && merged.HasEnded)
        {
            if (merged.StartedAt is not null || runnerOptions.Value.Lineage.StartGrace == TimeSpan.Zero)
            {
                done = merged.Completed();
                await PendingRunStore.InsertPendingAsync(connection, transaction,
                    [new PendingRun(done, System.Diagnostics.Activity.Current?.Id, Stored: true, DateTimeOffset.UtcNow)],
                    runnerOptions.Value.FailoverAfter, cancellationToken);
                completedNow = true;
            }
            else
            {
                completeDueAt ??= DateTimeOffset.UtcNow + runnerOptions.Value.Lineage.StartGrace;
            }
        }
        await using (var update = new NpgsqlCommand(
            """
            UPDATE runner.lineage_runs
            SET state = $2::jsonb, completed = completed OR $3, progress_due = NOT (completed OR $3) AND $4,
                complete_due_at = $5, updated_at = now()
            WHERE run_id = $1
            """, connection, transaction))
        {
            update.Parameters.AddWithValue(e.RunId);
            update.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(merged, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
            update.Parameters.AddWithValue(completedNow);
            update.Parameters.AddWithValue(!merged.HasEnded);
            update.Parameters.Add(new NpgsqlParameter { Value = (object?)completeDueAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        return (LineageOutcome.Accepted, done);
    }

    /// <summary>
    /// Finishes the ended runs whose START did not come within the grace: each becomes a pending run, held by this
    /// replica for publication. Returns them.
    /// </summary>
    public async Task<List<RunCompleted>> CompleteDueAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var runs = new List<RunCompleted>();
        await using (var due = new NpgsqlCommand(
            """
            SELECT state::text FROM runner.lineage_runs
            WHERE complete_due_at <= now() AND NOT completed
            ORDER BY complete_due_at LIMIT $1 FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            due.Parameters.AddWithValue(limit);
            await using var reader = await due.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                runs.Add(JsonSerializer.Deserialize<LineageRunState>(reader.GetString(0), Json)!.Completed());
            }
        }
        if (runs.Count == 0)
        {
            return runs;
        }
        await PendingRunStore.InsertPendingAsync(connection, transaction,
            [.. runs.Select(r => new PendingRun(r, null, Stored: true, DateTimeOffset.UtcNow))], runnerOptions.Value.FailoverAfter, cancellationToken);
        await using (var mark = new NpgsqlCommand(
            "UPDATE runner.lineage_runs SET completed = true, progress_due = false, updated_at = now() WHERE run_id = ANY($1)", connection, transaction))
        {
            mark.Parameters.AddWithValue(runs.Select(r => r.RunId).ToArray());
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return runs;
    }

    /// <summary>
    /// Hands the runs in progress with news to <paramref name="publish"/> and, once it returns, marks them published.
    /// The rows stay locked meanwhile, so a replica never publishes what another is publishing; an event that comes
    /// meanwhile waits, then marks its run again.
    /// </summary>
    public async Task<int> PublishProgressAsync(int limit, Func<IReadOnlyList<RunInProgress>, CancellationToken, Task> publish, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var runs = new List<RunInProgress>();
        await using (var due = new NpgsqlCommand(
            """
            SELECT state::text FROM runner.lineage_runs
            WHERE progress_due AND NOT completed
            ORDER BY updated_at LIMIT $1 FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            due.Parameters.AddWithValue(limit);
            await using var reader = await due.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                runs.Add(JsonSerializer.Deserialize<LineageRunState>(reader.GetString(0), Json)!.InProgress());
            }
        }
        if (runs.Count == 0)
        {
            return 0;
        }
        await publish(runs, cancellationToken);
        await using (var mark = new NpgsqlCommand(
            "UPDATE runner.lineage_runs SET progress_due = false WHERE run_id = ANY($1)", connection, transaction))
        {
            mark.Parameters.AddWithValue(runs.Select(r => r.RunId).ToArray());
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return runs.Count;
    }

    /// <summary>Forgets events and runs older than <paramref name="age"/> (past the run history's retention).</summary>
    public async Task<int> ForgetOlderThanAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH events AS (DELETE FROM runner.lineage_events WHERE received_at < now() - $1 RETURNING 1),
                 runs AS (DELETE FROM runner.lineage_runs WHERE updated_at < now() - $1 RETURNING 1)
            SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM runs)
            """);
        command.Parameters.AddWithValue(age);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The oldest news of a run in progress not yet published, for <c>/health</c>.</summary>
    public async Task<TimeSpan?> OldestProgressDueAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT now() - min(updated_at) FROM runner.lineage_runs WHERE progress_due AND NOT completed");
        return await command.ExecuteScalarAsync(cancellationToken) is TimeSpan age ? age : null;
    }
}
