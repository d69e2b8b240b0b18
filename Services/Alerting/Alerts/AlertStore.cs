using System.Text.Json;
using ConnectorHealth.Alerting.Evaluation;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Alerting.Alerts;

/// <summary>What the API reads and changes of alerts: the alerts with their occurrences and notifications, and their lifecycle.</summary>
public sealed class AlertStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Columns =
        "alert_id, connector, rule, severity, state, message, recommended_action, occurrences, first_seen, last_seen, created_at, "
        + "acknowledged_at, acknowledged_by, resolved_at, resolved_by, resolution, previous_alert_id, flapping, details::text, "
        // The maintenance window keeping its groups quiet, if one is.
        + "(SELECT min(g.muted_by) FROM alerting.group_alerts m JOIN alerting.alert_groups g USING (group_id) "
        + "WHERE m.alert_id = alerts.alert_id) AS muted_by, "
        + "feedback, feedback_by, feedback_note, feedback_at, "
        + "(SELECT c.owner FROM alerting.connectors c WHERE c.connector = alerts.connector) AS owner, "
        + "(SELECT c.tags FROM alerting.connectors c WHERE c.connector = alerts.connector) AS tags, "
        + "(SELECT c.job_namespace FROM alerting.connectors c WHERE c.connector = alerts.connector) AS job_namespace, "
        + "(SELECT c.job_name FROM alerting.connectors c WHERE c.connector = alerts.connector) AS job_name, "
        + "caused_by_alert_id, "
        + "(SELECT coalesce(jsonb_agg(jsonb_build_object('alertId', d.alert_id, 'connector', d.connector, 'rule', d.rule, 'state', d.state) "
        + "ORDER BY d.alert_id), '[]') FROM alerting.alerts d WHERE d.caused_by_alert_id = alerts.alert_id)::text AS impact";

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
        Equal("feedback", filter.Feedback);
        if (filter.Owner is not null)
        {
            command.Parameters.AddWithValue(filter.Owner);
            where.Add($"connector IN (SELECT connector FROM alerting.connectors WHERE owner = ${command.Parameters.Count})");
        }
        if (filter.Tag is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = new[] { filter.Tag }, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            where.Add($"connector IN (SELECT connector FROM alerting.connectors WHERE tags @> ${command.Parameters.Count})");
        }
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
            FROM alerting.notifications WHERE alert_ids @> ARRAY[$1] ORDER BY notification_id
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
            $"""
            WITH acknowledged AS (
                UPDATE alerting.alerts SET state = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3
                WHERE alert_id = $1 AND state = 'firing'
                RETURNING alert_id
            ), scheduled AS (
                -- Its groups stop repeating it, and a receiver with incidents of its own (PagerDuty) is told.
                {NotificationQueue.ScheduleGroupsOf("acknowledged", "$2")}
            )
            SELECT alert_id FROM acknowledged
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
        if (!await AlertWriter.ResolveAsync(connection, transaction, alertId, "manual", by, now, cancellationToken))
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

    /// <summary>Records how someone judged an alert (replacing an earlier judgement); false when there is no such alert.</summary>
    public async Task<bool> JudgeAsync(long alertId, string verdict, string by, string? note, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE alerting.alerts SET feedback = $2, feedback_by = $3, feedback_note = $4, feedback_at = $5
            WHERE alert_id = $1
            """);
        command.Parameters.AddWithValue(alertId);
        command.Parameters.AddWithValue(verdict);
        command.Parameters.AddWithValue(by);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)note ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>How a connector's alerts (or every connector's) were judged: per rule, how many of each verdict and how many not yet.</summary>
    public async Task<IReadOnlyList<JudgementCount>> JudgementsAsync(string? connector, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT rule, coalesce(feedback, 'unjudged'), count(*) FROM alerting.alerts
            WHERE $1::text IS NULL OR connector = $1
            GROUP BY 1, 2 ORDER BY 1, 2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)connector ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var counts = new List<JudgementCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new JudgementCount(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        }
        return counts;
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

    private static AlertSummary Read(NpgsqlDataReader reader)
    {
        var summary = ReadColumns(reader);
        var details = summary.Details;
        var dataset = details.TryGetValue(DatasetDetails.Key, out var key)
            && details.TryGetValue(DatasetDetails.Namespace, out var datasetNamespace) && details.TryGetValue(DatasetDetails.Name, out var datasetName)
            ? new AlertDataset(key, datasetNamespace, datasetName) : null;
        // The connector's job as its runs named it; a stuck run's own, when the job has not completed a run yet.
        var job = !reader.IsDBNull(26) && !reader.IsDBNull(27) ? new AlertJob(reader.GetString(26), reader.GetString(27))
            : details.TryGetValue(StuckRunRule.JobNamespaceDetail, out var jobNamespace) && details.TryGetValue(StuckRunRule.JobNameDetail, out var jobName)
                ? new AlertJob(jobNamespace, jobName) : null;
        return summary with
        {
            Dataset = dataset,
            Assertion = details.GetValueOrDefault(DatasetDetails.Assertion),
            Column = details.GetValueOrDefault(DatasetDetails.Column),
            Job = job,
            CausedBy = reader.IsDBNull(28) ? null : reader.GetInt64(28),
            Impact = JsonSerializer.Deserialize<List<AlertImpact>>(reader.GetString(29), ImpactJson)!,
        };
    }

    private static readonly JsonSerializerOptions ImpactJson = new(JsonSerializerDefaults.Web);

    private static AlertSummary ReadColumns(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
        reader.GetString(6), reader.GetInt32(7), reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9),
        reader.GetFieldValue<DateTimeOffset>(10), NullableInstant(reader, 11), NullableText(reader, 12), NullableInstant(reader, 13),
        NullableText(reader, 14), NullableText(reader, 15), reader.IsDBNull(16) ? null : reader.GetInt64(16), reader.GetBoolean(17),
        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(18))!, NullableText(reader, 19),
        reader.IsDBNull(20) ? null : new AlertFeedback(reader.GetString(20), reader.GetString(21), NullableText(reader, 22), reader.GetFieldValue<DateTimeOffset>(23)),
        NullableText(reader, 24), reader.IsDBNull(25) ? [] : reader.GetFieldValue<string[]>(25));

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
