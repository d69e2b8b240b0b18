using System.Text.Json;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Alerting.Alerts;

public sealed record AlertSummary(
    long AlertId, string Connector, string Rule, string Severity, string State, string Message, string RecommendedAction,
    int Occurrences, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, DateTimeOffset CreatedAt, DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy, DateTimeOffset? ResolvedAt, string? ResolvedBy, string? Resolution, long? PreviousAlertId, bool Flapping,
    IReadOnlyDictionary<string, string> Details);

public sealed record AlertPage(IReadOnlyList<AlertSummary> Items, string? Cursor);

public sealed record OccurrenceView(string Source, DateTimeOffset OccurredAt, string Detail);

public sealed record NotificationView(
    long NotificationId, string Channel, string Kind, string Status, string? Reason, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt);

public sealed record AlertDetail(AlertSummary Alert, IReadOnlyList<OccurrenceView> Occurrences, IReadOnlyList<NotificationView> Notifications);

public sealed record AlertFilter(string? State, string? Connector, string? Rule, string? Severity, int Limit, PageCursor? After);

public enum LifecycleOutcome
{
    Done,
    NotFound,
    AlreadyAcknowledged,
    AlreadyResolved,
}

/// <summary>A silence as <c>POST /api/silences</c> left it: created now, or the same silence created before.</summary>
public sealed record SilenceAdded(Silence Silence, bool Created);

/// <summary>What <c>DELETE /api/silences/{id}</c> did: ended it now, found none, or found it ended (at <c>EndedAt</c>).</summary>
public sealed record SilenceExpiry(LifecycleOutcome Outcome, DateTimeOffset? EndedAt);

/// <summary>What the API reads and changes: alerts with their occurrences and notifications, and silences.</summary>
public sealed class AlertStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Columns =
        "alert_id, connector, rule, severity, state, message, recommended_action, occurrences, first_seen, last_seen, created_at, "
        + "acknowledged_at, acknowledged_by, resolved_at, resolved_by, resolution, previous_alert_id, flapping, details::text";

    public async Task<AlertPage> ListAsync(AlertFilter filter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var where = new List<string>();
        void Equal(string column, string? value)
        {
            if (value is not null)
            {
                command.Parameters.AddWithValue(value);
                where.Add($"{column} = ${command.Parameters.Count}");
            }
        }
        Equal("state", filter.State);
        Equal("connector", filter.Connector);
        Equal("rule", filter.Rule);
        Equal("severity", filter.Severity);
        if (filter.After is { } cursor)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = cursor.At, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = cursor.NumberId, NpgsqlDbType = NpgsqlDbType.Bigint });
            where.Add($"(created_at, alert_id) < (${command.Parameters.Count - 1}, ${command.Parameters.Count})");
        }
        command.CommandText =
            $"""
            SELECT {Columns} FROM alerting.alerts
            {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")}
            ORDER BY created_at DESC, alert_id DESC LIMIT {filter.Limit + 1}
            """;
        var items = new List<AlertSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(Read(reader));
        }
        var next = items.Count > filter.Limit
            ? PageCursor.ForNumber(items[filter.Limit - 1].CreatedAt, items[filter.Limit - 1].AlertId).Encode()
            : null;
        return new AlertPage(items.Take(filter.Limit).ToArray(), next);
    }

    public async Task<AlertDetail?> GetAsync(long alertId, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command($"SELECT {Columns} FROM alerting.alerts WHERE alert_id = $1", alertId));
        batch.BatchCommands.Add(Command(
            "SELECT source, occurred_at, detail FROM alerting.occurrences WHERE alert_id = $1 ORDER BY occurred_at DESC LIMIT 200", alertId));
        batch.BatchCommands.Add(Command(
            """
            SELECT notification_id, channel, kind, status, reason, attempts, last_status_code, last_error, created_at, delivered_at,
                   CASE WHEN status = 'pending' THEN next_attempt_at END
            FROM alerting.notifications WHERE alert_id = $1 ORDER BY notification_id
            """, alertId));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var alert = Read(reader);
        await reader.NextResultAsync(cancellationToken);
        var occurrences = new List<OccurrenceView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            occurrences.Add(new OccurrenceView(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2)));
        }
        await reader.NextResultAsync(cancellationToken);
        var notifications = new List<NotificationView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            notifications.Add(new NotificationView(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), NullableText(reader, 4), reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetInt32(6), NullableText(reader, 7), reader.GetFieldValue<DateTimeOffset>(8),
                NullableInstant(reader, 9), NullableInstant(reader, 10)));
        }
        return new AlertDetail(alert, occurrences, notifications);
    }

    /// <summary>
    /// Acknowledges a firing alert. The update is conditional on the state, so of many calls at once (on any replica)
    /// exactly one changes the alert; the others are told it is acknowledged or resolved already.
    /// </summary>
    public async Task<LifecycleOutcome> AcknowledgeAsync(long alertId, string by, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE alerting.alerts SET state = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3
            WHERE alert_id = $1 AND state = 'firing'
            RETURNING alert_id
            """);
        command.Parameters.AddWithValue(alertId);
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.AddWithValue(by);
        return await command.ExecuteScalarAsync(cancellationToken) is not null ? LifecycleOutcome.Done : await NotChangedAsync(alertId, cancellationToken);
    }

    public async Task<(LifecycleOutcome Outcome, AlertResolved? Resolved)> ResolveAsync(long alertId, string by, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (!await AlertEngine.ResolveAsync(connection, transaction, alertId, "manual", by, now, cancellationToken))
        {
            return (await NotChangedAsync(alertId, cancellationToken), null);
        }
        await using var read = new NpgsqlCommand("SELECT connector, rule FROM alerting.alerts WHERE alert_id = $1", connection, transaction);
        read.Parameters.AddWithValue(alertId);
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            var resolved = new AlertResolved(alertId, reader.GetString(0), reader.GetString(1), "manual", now);
            await reader.DisposeAsync();
            await transaction.CommitAsync(cancellationToken);
            return (LifecycleOutcome.Done, resolved);
        }
    }

    // Why a conditional update changed nothing: the alert is missing, or another call moved it first.
    private async Task<LifecycleOutcome> NotChangedAsync(long alertId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT state FROM alerting.alerts WHERE alert_id = $1");
        command.Parameters.AddWithValue(alertId);
        return await command.ExecuteScalarAsync(cancellationToken) switch
        {
            null => LifecycleOutcome.NotFound,
            "acknowledged" => LifecycleOutcome.AlreadyAcknowledged,
            _ => LifecycleOutcome.AlreadyResolved,
        };
    }

    public async Task<IReadOnlyList<Silence>> ListSilencesAsync(bool includeExpired, CancellationToken cancellationToken)
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
    public async Task<SilenceAdded> AddSilenceAsync(Silence silence, bool startGiven, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var gate = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", connection, transaction))
        {
            gate.Parameters.AddWithValue(JsonSerializer.Serialize(new object?[]
            {
                "silence", silence.Connector, silence.Rule, silence.Severity is { } s ? AlertEngine.SeverityName(s) : null,
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
            AddSilenceParameters(find.Parameters, silence);
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
            AddSilenceParameters(insert.Parameters, silence);
            insert.Parameters.AddWithValue(silence.Id);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new SilenceAdded(silence, Created: true);
    }

    // $1 connector, $2 rule, $3 severity, $4 starts_at, $5 ends_at, $6 author, $7 comment.
    private static void AddSilenceParameters(NpgsqlParameterCollection parameters, Silence silence)
    {
        parameters.Add(new NpgsqlParameter { Value = (object?)silence.Connector ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)silence.Rule ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter
        {
            Value = silence.Severity is { } severity ? AlertEngine.SeverityName(severity) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text,
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
    public async Task<SilenceExpiry> ExpireSilenceAsync(Guid silenceId, CancellationToken cancellationToken)
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

    private static AlertSummary Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
        reader.GetString(6), reader.GetInt32(7), reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9),
        reader.GetFieldValue<DateTimeOffset>(10), NullableInstant(reader, 11), NullableText(reader, 12), NullableInstant(reader, 13),
        NullableText(reader, 14), NullableText(reader, 15), reader.IsDBNull(16) ? null : reader.GetInt64(16), reader.GetBoolean(17),
        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(18))!);

    private static NpgsqlBatchCommand Command(string sql, long alertId)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = alertId, NpgsqlDbType = NpgsqlDbType.Bigint });
        return command;
    }

    private static string? NullableText(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset? NullableInstant(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
}
