using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Publishing;
using ConnectorHealth.Runner.Reports;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Runner.Runs;

/// <summary>The runner's own schema: connector state, reported-run ids, and runs awaiting publication.</summary>
public sealed class RunnerStore(NpgsqlDataSource dataSource)
{
    // Deeper than any payload the limits let through, so a run that MassTransit's envelope cannot carry can still be parked.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { MaxDepth = 256 };

    public async Task<Dictionary<string, LastRun>> LoadLastRunsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT connector, last_run_id, last_status, last_started_at, last_finished_at, last_error_type FROM runner.connector_state");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new Dictionary<string, LastRun>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            runs[reader.GetString(0)] = new LastRun(reader.GetGuid(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetString(5));
        }
        return runs;
    }

    /// <summary>
    /// Claims "run now" of a connector for <paramref name="runId"/> until <paramref name="heldUntil"/>, unless another run
    /// holds it: answers the run that holds it (this one when the claim succeeded). The upsert takes over only an expired
    /// claim, so of many claims at once, on any replica, one wins and the others read the winner.
    /// </summary>
    public async Task<Guid?> ClaimRunAsync(string connector, Guid runId, DateTimeOffset now, DateTimeOffset heldUntil, CancellationToken cancellationToken)
    {
        // A claim released between our upsert and our read is tried again; a run is rarely that short, so twice is enough.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using var claim = dataSource.CreateCommand(
                """
                INSERT INTO runner.runs_under_way AS u (connector, run_id, started_at, held_until) VALUES ($1, $2, $3, $4)
                ON CONFLICT (connector) DO UPDATE
                   SET run_id = excluded.run_id, started_at = excluded.started_at, held_until = excluded.held_until
                 WHERE u.held_until < excluded.started_at
                RETURNING run_id
                """);
            claim.Parameters.AddWithValue(connector);
            claim.Parameters.AddWithValue(runId);
            claim.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            claim.Parameters.Add(new NpgsqlParameter { Value = heldUntil, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            if (await claim.ExecuteScalarAsync(cancellationToken) is Guid won)
            {
                return won;
            }
            await using var read = dataSource.CreateCommand("SELECT run_id FROM runner.runs_under_way WHERE connector = $1");
            read.Parameters.AddWithValue(connector);
            if (await read.ExecuteScalarAsync(cancellationToken) is Guid holder)
            {
                return holder;
            }
        }
        return null;
    }

    /// <summary>Ends a run's claim (only its own: an expired claim may have been taken over).</summary>
    public async Task ReleaseRunAsync(string connector, Guid runId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM runner.runs_under_way WHERE connector = $1 AND run_id = $2");
        command.Parameters.AddWithValue(connector);
        command.Parameters.AddWithValue(runId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Records a connector's last run; an older run arriving late does not replace a newer one.</summary>
    public async Task SaveLastRunAsync(string connector, LastRun run, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO runner.connector_state AS s (connector, last_run_id, last_status, last_started_at, last_finished_at, last_error_type)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (connector) DO UPDATE
               SET last_run_id = excluded.last_run_id, last_status = excluded.last_status,
                   last_started_at = excluded.last_started_at, last_finished_at = excluded.last_finished_at,
                   last_error_type = excluded.last_error_type
             WHERE s.last_started_at <= excluded.last_started_at
            """);
        command.Parameters.AddWithValue(connector);
        command.Parameters.AddWithValue(run.RunId);
        command.Parameters.AddWithValue(run.Status);
        command.Parameters.AddWithValue(run.StartedAt);
        command.Parameters.AddWithValue(run.FinishedAt);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)run.ErrorType ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Accepts a reported run once. In the same transaction the run becomes pending, so an accepted report is
    /// published even if the runner stops before the broker confirms it.
    /// </summary>
    public async Task<ReportOutcome> AcceptReportAsync(RunCompleted run, byte[] fingerprint, string? traceParent, CancellationToken cancellationToken) =>
        (await AcceptReportsAsync([new ReportToStore(run, fingerprint, traceParent)], cancellationToken))[0];

    /// <summary>
    /// Stores reports in one transaction, each answered as if alone: accepted (its run id new: recorded and pending
    /// publication), already accepted (the same content under that id, earlier or in this group), or in conflict
    /// (different content under an id already taken). All or nothing: a failure stores none of them.
    /// </summary>
    public async Task<ReportOutcome[]> AcceptReportsAsync(IReadOnlyList<ReportToStore> reports, CancellationToken cancellationToken)
    {
        // The first report of each run id in the group claims it; any later one is judged against what is stored then.
        var firsts = reports.DistinctBy(r => r.Run.RunId).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var claimed = new HashSet<Guid>();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO runner.reported_runs (run_id, connector, fingerprint)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[])
            ON CONFLICT (run_id) DO NOTHING
            RETURNING run_id
            """, connection, transaction))
        {
            insert.Parameters.Add(Column(firsts.Select(r => r.Run.RunId).ToArray(), NpgsqlDbType.Uuid));
            insert.Parameters.Add(Column(firsts.Select(r => r.Run.Connector).ToArray(), NpgsqlDbType.Text));
            insert.Parameters.Add(Column(firsts.Select(r => r.Fingerprint).ToArray(), NpgsqlDbType.Bytea));
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                claimed.Add(reader.GetGuid(0));
            }
        }

        // What every run id of the group is stored with now: the earlier report's fingerprint, or the one just claimed.
        var stored = firsts.Where(r => claimed.Contains(r.Run.RunId)).ToDictionary(r => r.Run.RunId, r => r.Fingerprint);
        var taken = firsts.Where(r => !claimed.Contains(r.Run.RunId)).Select(r => r.Run.RunId).ToArray();
        if (taken.Length > 0)
        {
            await using var earlier = new NpgsqlCommand(
                "SELECT run_id, fingerprint FROM runner.reported_runs WHERE run_id = ANY($1)", connection, transaction);
            earlier.Parameters.AddWithValue(taken);
            await using var reader = await earlier.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stored[reader.GetGuid(0)] = reader.GetFieldValue<byte[]>(1);
            }
        }

        var accepted = firsts.Where(r => claimed.Contains(r.Run.RunId)).ToList();
        if (accepted.Count > 0)
        {
            var now = DateTimeOffset.UtcNow;
            await InsertPendingAsync(connection, transaction, [.. accepted.Select(r => new PendingRun(r.Run, r.TraceParent, Stored: true, now))], cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);

        var answered = new HashSet<Guid>();
        return [.. reports.Select(r =>
            claimed.Contains(r.Run.RunId) && answered.Add(r.Run.RunId) ? ReportOutcome.Accepted
            : stored.TryGetValue(r.Run.RunId, out var fingerprint) && fingerprint.AsSpan().SequenceEqual(r.Fingerprint) ? ReportOutcome.AlreadyAccepted
            : ReportOutcome.ConflictsWithEarlierReport)];
    }

    public async Task StorePendingAsync(IReadOnlyCollection<PendingRun> runs, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await InsertPendingAsync(connection, transaction, [.. runs], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The oldest pending runs, leaving out those already in hand.</summary>
    public async Task<List<PendingRun>> LoadPendingAsync(int limit, IReadOnlyCollection<Guid> inHand, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT message, trace_parent, created_at FROM runner.pending_runs
             WHERE NOT (run_id = ANY($2))
             ORDER BY created_at LIMIT $1
            """);
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(inHand.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<PendingRun>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var run = JsonSerializer.Deserialize<RunCompleted>(reader.GetString(0), Json)!;
            runs.Add(new PendingRun(run, reader.IsDBNull(1) ? null : reader.GetString(1), Stored: true,
                reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return runs;
    }

    public async Task DeletePendingAsync(IReadOnlyCollection<Guid> runIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM runner.pending_runs WHERE run_id = ANY($1)");
        command.Parameters.AddWithValue(runIds.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sets a run aside with the reason; it stops being pending in the same transaction.</summary>
    public async Task ParkAsync(PendingRun run, string reason, string? exceptionType, int failures, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var park = new NpgsqlCommand(
            """
            INSERT INTO runner.parked_runs (run_id, connector, message, trace_parent, reason, exception_type, failures)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (run_id) DO UPDATE
               SET reason = excluded.reason, exception_type = excluded.exception_type,
                   failures = excluded.failures, parked_at = now()
            """, connection, transaction);
        park.Parameters.AddWithValue(run.Run.RunId);
        park.Parameters.AddWithValue(run.Run.Connector);
        park.Parameters.AddWithValue(JsonSerializer.Serialize(run.Run, Json));
        park.Parameters.Add(new NpgsqlParameter { Value = (object?)run.TraceParent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        park.Parameters.AddWithValue(reason);
        park.Parameters.Add(new NpgsqlParameter { Value = (object?)exceptionType ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        park.Parameters.AddWithValue(failures);
        await park.ExecuteNonQueryAsync(cancellationToken);

        await using var unpend = new NpgsqlCommand("DELETE FROM runner.pending_runs WHERE run_id = $1", connection, transaction);
        unpend.Parameters.AddWithValue(run.Run.RunId);
        await unpend.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<long> CountParkedAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM runner.parked_runs");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<List<ParkedRun>> ListParkedAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT run_id, connector, reason, exception_type, failures, parked_at
              FROM runner.parked_runs ORDER BY parked_at DESC, run_id LIMIT $1
            """);
        command.Parameters.AddWithValue(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<ParkedRun>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(new ParkedRun(reader.GetGuid(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return runs;
    }

    /// <summary>Moves parked runs (the given ones, or all when null) back to pending; returns them for publishing.</summary>
    public async Task<List<PendingRun>> UnparkAsync(IReadOnlyCollection<Guid>? runIds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var move = new NpgsqlCommand(
            """
            WITH moved AS (
                DELETE FROM runner.parked_runs WHERE $1::uuid[] IS NULL OR run_id = ANY($1)
                RETURNING run_id, message, trace_parent
            )
            INSERT INTO runner.pending_runs (run_id, message, trace_parent)
            SELECT run_id, message::jsonb, trace_parent FROM moved
            ON CONFLICT (run_id) DO NOTHING
            RETURNING message::text, trace_parent, created_at
            """, connection, transaction);
        move.Parameters.Add(new NpgsqlParameter
        {
            Value = (object?)runIds?.ToArray() ?? DBNull.Value,
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid,
        });
        var runs = new List<PendingRun>();
        await using (var reader = await move.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var run = JsonSerializer.Deserialize<RunCompleted>(reader.GetString(0), Json)!;
                runs.Add(new PendingRun(run, reader.IsDBNull(1) ? null : reader.GetString(1), Stored: true,
                    reader.GetFieldValue<DateTimeOffset>(2)));
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return runs;
    }

    private static async Task InsertPendingAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<PendingRun> runs, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO runner.pending_runs (run_id, message, trace_parent)
            SELECT * FROM unnest($1::uuid[], $2::jsonb[], $3::text[])
            ON CONFLICT (run_id) DO NOTHING
            """, connection, transaction);
        command.Parameters.Add(Column(runs.Select(r => r.Run.RunId).ToArray(), NpgsqlDbType.Uuid));
        command.Parameters.Add(Column(runs.Select(r => JsonSerializer.Serialize(r.Run, Json)).ToArray(), NpgsqlDbType.Jsonb));
        command.Parameters.Add(Column(runs.Select(r => r.TraceParent).ToArray(), NpgsqlDbType.Text));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
