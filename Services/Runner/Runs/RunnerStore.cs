using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Connectors;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Runner.Runs;

/// <summary>A finished run waiting for the broker, with the trace it belongs to.</summary>
public sealed record PendingRun(RunCompleted Run, string? TraceParent, bool Stored);

public enum ReportOutcome
{
    Accepted,
    AlreadyAccepted,
    ConflictsWithEarlierReport,
}

/// <summary>The runner's own schema: connector state, reported-run ids, and runs awaiting publication.</summary>
public sealed class RunnerStore(NpgsqlDataSource dataSource)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

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
    public async Task<ReportOutcome> AcceptReportAsync(RunCompleted run, byte[] fingerprint, string? traceParent, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO runner.reported_runs (run_id, connector, fingerprint) VALUES ($1, $2, $3)
            ON CONFLICT (run_id) DO NOTHING
            """, connection, transaction);
        insert.Parameters.AddWithValue(run.RunId);
        insert.Parameters.AddWithValue(run.Connector);
        insert.Parameters.AddWithValue(fingerprint);
        if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            await using var earlier = new NpgsqlCommand("SELECT fingerprint FROM runner.reported_runs WHERE run_id = $1", connection, transaction);
            earlier.Parameters.AddWithValue(run.RunId);
            var stored = (byte[]?)await earlier.ExecuteScalarAsync(cancellationToken);
            return stored is not null && stored.AsSpan().SequenceEqual(fingerprint)
                ? ReportOutcome.AlreadyAccepted
                : ReportOutcome.ConflictsWithEarlierReport;
        }

        await InsertPendingAsync(connection, transaction, new PendingRun(run, traceParent, Stored: true), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ReportOutcome.Accepted;
    }

    public async Task StorePendingAsync(IReadOnlyCollection<PendingRun> runs, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var run in runs)
        {
            await InsertPendingAsync(connection, transaction, run, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<List<PendingRun>> LoadPendingAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT message, trace_parent FROM runner.pending_runs ORDER BY created_at");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<PendingRun>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var run = JsonSerializer.Deserialize<RunCompleted>(reader.GetString(0), Json)!;
            runs.Add(new PendingRun(run, reader.IsDBNull(1) ? null : reader.GetString(1), Stored: true));
        }
        return runs;
    }

    public async Task DeletePendingAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM runner.pending_runs WHERE run_id = $1");
        command.Parameters.AddWithValue(runId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task InsertPendingAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PendingRun run, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO runner.pending_runs (run_id, message, trace_parent) VALUES ($1, $2, $3) ON CONFLICT (run_id) DO NOTHING",
            connection, transaction);
        command.Parameters.AddWithValue(run.Run.RunId);
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(run.Run, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)run.TraceParent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
