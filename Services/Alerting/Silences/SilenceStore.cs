using System.Text.Json;
using ConnectorHealth.Alerting.Alerts;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Alerting.Silences;

/// <summary>What the API reads and changes of silences: listing, adding (once however often asked) and ending them.</summary>
public sealed class SilenceStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    public async Task<IReadOnlyList<Silence>> ListAsync(bool includeExpired, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {SilenceRows.Columns} FROM alerting.silences WHERE $1 OR ends_at > $2 ORDER BY starts_at DESC, silence_id LIMIT 1000");
        command.Parameters.AddWithValue(includeExpired);
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var silences = new List<Silence>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            silences.Add(SilenceRows.Read(reader));
        }
        return silences;
    }

    /// <summary>
    /// Adds a silence unless the same one exists: same matchers, author, comment and end, not yet ended, and starting
    /// when asked (or, when no start was given, already in force). Calls for the same silence are serialised by an
    /// advisory lock on what makes them the same, so of many identical calls at once (on any replica) one creates it
    /// and the others get that one back.
    /// </summary>
    public async Task<SilenceAdded> AddAsync(Silence silence, bool startGiven, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var gate = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", connection, transaction))
        {
            gate.Parameters.AddWithValue(JsonSerializer.Serialize(new object?[]
            {
                "silence", silence.Connector, silence.Rule, silence.Severity is { } s ? SeverityNames.Name(s) : null,
                silence.EndsAt.ToUniversalTime(), silence.Author, silence.Comment,
            }));
            await gate.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var find = new NpgsqlCommand(
            $"""
            SELECT {SilenceRows.Columns} FROM alerting.silences
            WHERE connector IS NOT DISTINCT FROM $1 AND rule IS NOT DISTINCT FROM $2 AND severity IS NOT DISTINCT FROM $3
              AND ends_at = $5 AND author = $6 AND comment = $7 AND ends_at > $8
              AND (CASE WHEN $9 THEN starts_at = $4 ELSE starts_at <= $8 END)
            ORDER BY created_at, silence_id LIMIT 1
            """, connection, transaction))
        {
            AddParameters(find.Parameters, silence);
            find.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            find.Parameters.AddWithValue(startGiven);
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                return new SilenceAdded(SilenceRows.Read(reader), Created: false);
            }
        }
        await using (var insert = new NpgsqlCommand(
            $"INSERT INTO alerting.silences ({SilenceRows.Columns}) VALUES ($8, $1, $2, $3, $4, $5, $6, $7)", connection, transaction))
        {
            AddParameters(insert.Parameters, silence);
            insert.Parameters.AddWithValue(silence.Id);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new SilenceAdded(silence, Created: true);
    }

    // $1 connector, $2 rule, $3 severity, $4 starts_at, $5 ends_at, $6 author, $7 comment.
    private static void AddParameters(NpgsqlParameterCollection parameters, Silence silence)
    {
        parameters.Add(new NpgsqlParameter { Value = (object?)silence.Connector ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)silence.Rule ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter
        {
            Value = silence.Severity is { } severity ? SeverityNames.Name(severity) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text,
        });
        parameters.Add(new NpgsqlParameter { Value = silence.StartsAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        parameters.Add(new NpgsqlParameter { Value = silence.EndsAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        parameters.AddWithValue(silence.Author);
        parameters.AddWithValue(silence.Comment);
    }

    /// <summary>
    /// Ends a silence now (kept for the record). Only a silence that has not ended is changed, so of many calls at once
    /// one ends it and the others are told it had ended.
    /// </summary>
    public async Task<SilenceExpiry> ExpireAsync(Guid silenceId, CancellationToken cancellationToken)
    {
        // Compare-and-set on the end read first: of calls that read the same end, only the first update still finds it.
        // The clock is read after the end: a call that reads an end another call has set reads a now past it, so it
        // sees the silence over (with "now" read first, a call that read an earlier now would end it a second time).
        await using var read = dataSource.CreateCommand("SELECT ends_at FROM alerting.silences WHERE silence_id = $1");
        read.Parameters.AddWithValue(silenceId);
        if (await read.ExecuteScalarAsync(cancellationToken) is not DateTime endsAt)
        {
            return new SilenceExpiry(LifecycleOutcome.NotFound, null);
        }
        var end = new DateTimeOffset(endsAt, TimeSpan.Zero);
        var now = time.GetUtcNow();
        if (end > now)
        {
            await using var update = dataSource.CreateCommand(
                """
                UPDATE alerting.silences SET ends_at = greatest(starts_at + interval '1 microsecond', $2)
                WHERE silence_id = $1 AND ends_at = $3
                  -- A silence that has not started yet ends at its start: once there, ending it again changes nothing.
                  AND ends_at > greatest(starts_at + interval '1 microsecond', $2)
                RETURNING silence_id
                """);
            update.Parameters.AddWithValue(silenceId);
            update.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            update.Parameters.Add(new NpgsqlParameter { Value = end, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            if (await update.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return new SilenceExpiry(LifecycleOutcome.Done, null);
            }
            // Another call ended it meanwhile: say when.
            if (await read.ExecuteScalarAsync(cancellationToken) is DateTime ended)
            {
                end = new DateTimeOffset(ended, TimeSpan.Zero);
            }
        }
        return new SilenceExpiry(LifecycleOutcome.AlreadyResolved, end);
    }
}
