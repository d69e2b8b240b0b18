using System.Text.Json;
using ConnectorHealth.Contracts;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Runner.Publishing;

/// <summary>Runs stored on their way to the broker (<c>runner.pending_runs</c>) and those set aside (<c>runner.parked_runs</c>).</summary>
public sealed class PendingRunStore(NpgsqlDataSource dataSource)
{
    // Deeper than any payload the limits let through, so a run that MassTransit's envelope cannot carry can still be parked.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { MaxDepth = 256 };

    /// <summary>Stores runs as pending that no replica holds (a shutdown's): the next sweep of any replica takes them.</summary>
    public async Task StorePendingAsync(IReadOnlyCollection<PendingRun> runs, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await InsertPendingAsync(connection, transaction, [.. runs], holdFor: null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Renews this replica's hold on the pending runs it has in hand, and takes the oldest that no replica holds (never
    /// held, or whose holder stopped renewing) up to <paramref name="limit"/>, each for <paramref name="holdFor"/>. Rows
    /// another replica is taking at the same moment are skipped, so no run is taken by two.
    /// </summary>
    public async Task<List<PendingRun>> ClaimPendingAsync(
        int limit, IReadOnlyCollection<Guid> inHand, TimeSpan holdFor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (inHand.Count > 0)
        {
            await using var renew = new NpgsqlCommand(
                "UPDATE runner.pending_runs SET held_until = now() + $2 WHERE run_id = ANY($1)", connection);
            renew.Parameters.AddWithValue(inHand.ToArray());
            renew.Parameters.AddWithValue(holdFor);
            await renew.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand(
            """
            UPDATE runner.pending_runs p SET held_until = now() + $3
              FROM (SELECT run_id FROM runner.pending_runs
                     WHERE (held_until IS NULL OR held_until < now()) AND NOT (run_id = ANY($2))
                     ORDER BY created_at LIMIT $1
                       FOR UPDATE SKIP LOCKED) free
             WHERE p.run_id = free.run_id
            RETURNING p.message::text, p.trace_parent, p.created_at
            """, connection);
        command.Parameters.AddWithValue(limit);
        command.Parameters.AddWithValue(inHand.ToArray());
        command.Parameters.AddWithValue(holdFor);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<PendingRun>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(Pending(reader));
        }
        return [.. runs.OrderBy(r => r.Since)];
    }

    /// <summary>The oldest pending runs, whoever holds them.</summary>
    internal async Task<List<PendingRun>> ListPendingAsync(int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT message::text, trace_parent, created_at FROM runner.pending_runs ORDER BY created_at LIMIT $1");
        command.Parameters.AddWithValue(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<PendingRun>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(Pending(reader));
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
                runs.Add(Pending(reader));
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return runs;
    }

    /// <summary>
    /// Makes runs pending in the caller's transaction (an accepted report becomes pending in the one that accepts it),
    /// held by this replica for <paramref name="holdFor"/> (it is about to publish them), or by none.
    /// </summary>
    internal static async Task InsertPendingAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<PendingRun> runs, TimeSpan? holdFor,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO runner.pending_runs (run_id, message, trace_parent, held_until)
            SELECT run_id, message, trace_parent, now() + $4 FROM unnest($1::uuid[], $2::jsonb[], $3::text[]) AS r(run_id, message, trace_parent)
            ON CONFLICT (run_id) DO NOTHING
            """, connection, transaction);
        command.Parameters.Add(Column(runs.Select(r => r.Run.RunId).ToArray(), NpgsqlDbType.Uuid));
        command.Parameters.Add(Column(runs.Select(r => JsonSerializer.Serialize(r.Run, Json)).ToArray(), NpgsqlDbType.Jsonb));
        command.Parameters.Add(Column(runs.Select(r => r.TraceParent).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)holdFor ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Interval });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A stored run read back from (message, trace_parent, created_at).</summary>
    private static PendingRun Pending(NpgsqlDataReader reader) =>
        new(JsonSerializer.Deserialize<RunCompleted>(reader.GetString(0), Json)!, reader.IsDBNull(1) ? null : reader.GetString(1),
            Stored: true, reader.GetFieldValue<DateTimeOffset>(2));
}
