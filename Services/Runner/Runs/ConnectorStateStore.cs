using ConnectorHealth.Runner.Connectors;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Runner.Runs;

/// <summary>What the runner keeps of each connector across restarts and replicas: its last run, and the run-now claims.</summary>
public sealed class ConnectorStateStore(NpgsqlDataSource dataSource)
{
    /// <summary>Each connector's last run, or only those that finished after <paramref name="finishedAfter"/>.</summary>
    public async Task<Dictionary<string, LastRun>> LoadLastRunsAsync(CancellationToken cancellationToken, DateTimeOffset? finishedAfter = null)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT connector, last_run_id, last_status, last_started_at, last_finished_at, last_error_type FROM runner.connector_state
             WHERE $1::timestamptz IS NULL OR last_finished_at > $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)finishedAfter ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
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
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using var claim = new NpgsqlCommand(
                """
                INSERT INTO runner.runs_under_way AS u (connector, run_id, started_at, held_until) VALUES ($1, $2, $3, $4)
                ON CONFLICT (connector) DO UPDATE
                   SET run_id = excluded.run_id, started_at = excluded.started_at, held_until = excluded.held_until
                 WHERE u.held_until < excluded.started_at
                RETURNING run_id
                """, connection);
            claim.Parameters.AddWithValue(connector);
            claim.Parameters.AddWithValue(runId);
            claim.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            claim.Parameters.Add(new NpgsqlParameter { Value = heldUntil, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            // Returns rows and takes a name: prepared explicitly, never half-prepared by a refused Bind (see AddServiceDatabase).
            await claim.PrepareAsync(cancellationToken);
            if (await claim.ExecuteScalarAsync(cancellationToken) is Guid won)
            {
                return won;
            }
            await using var read = new NpgsqlCommand("SELECT run_id FROM runner.runs_under_way WHERE connector = $1", connection);
            read.Parameters.AddWithValue(connector);
            if (await read.ExecuteScalarAsync(cancellationToken) is Guid holder)
            {
                return holder;
            }
        }
        return null;
    }

    /// <summary>Connectors with a run under way on some replica: a scheduled slot, or a run-now claim still held.</summary>
    public async Task<HashSet<string>> LoadRunningAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT connector FROM runner.connector_slots WHERE running_id IS NOT NULL
            UNION SELECT connector FROM runner.runs_under_way WHERE held_until > now()
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var running = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            running.Add(reader.GetString(0));
        }
        return running;
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
}
