using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Evaluation;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Alerting.Notifications;

/// <summary>
/// Queues notifications for the dispatcher: one per channel the alert is routed to, pending, or held (silenced,
/// inhibited, flapping) with the reason, so the alert's page says why nobody was told.
/// </summary>
public sealed class NotificationQueue(NpgsqlDataSource dataSource, IOptionsMonitor<AlertingOptions> options)
{
    private const int RepeatsPerRound = 500;

    /// <summary>Queues the alert's notification for each routed channel; returns how many will be sent (not held).</summary>
    internal async Task<int> QueueAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EvaluationContext context, OpenAlert alert, string kind,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var channels = Routing.ChannelsFor(options.CurrentValue.Channels, alert.Rule, alert.Severity).ToArray();
        if (channels.Length == 0)
        {
            return 0;
        }
        var heldBecause = HoldReason(context, alert, now);
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO alerting.notifications (alert_id, channel, kind, status, reason, next_attempt_at)
            SELECT $1, c, $3, $4, $5, $6 FROM unnest($2::text[]) AS c
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = alert.AlertId, NpgsqlDbType = NpgsqlDbType.Bigint });
        insert.Parameters.Add(Column(channels, NpgsqlDbType.Text));
        insert.Parameters.AddWithValue(kind);
        insert.Parameters.AddWithValue(heldBecause is null ? "pending" : "held");
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)heldBecause ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return heldBecause is null ? channels.Length : 0;
    }

    /// <summary>Notifies again the firing alerts nobody acknowledged, every <see cref="AlertingOptions.RepeatInterval"/>.</summary>
    public async Task RenotifyDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var due = new List<OpenAlert>();
        await using (var command = new NpgsqlCommand(
            $"""
            SELECT {OpenAlertRows.Columns} FROM alerting.alerts
            WHERE state = 'firing' AND last_notified_at < $1
            ORDER BY alert_id LIMIT {RepeatsPerRound} FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter
            {
                Value = now - options.CurrentValue.RepeatInterval, NpgsqlDbType = NpgsqlDbType.TimestampTz,
            });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(OpenAlertRows.Read(reader));
            }
        }
        if (due.Count == 0)
        {
            return;
        }
        var context = await EvaluationContext.LoadAsync(
            connection, transaction, due.Select(alert => alert.Connector).Distinct().ToArray(), now, cancellationToken);
        foreach (var alert in due)
        {
            await QueueAsync(connection, transaction, context, alert, NotificationKinds.Repeat, now, cancellationToken);
            await using var mark = new NpgsqlCommand("UPDATE alerting.alerts SET last_notified_at = $2 WHERE alert_id = $1", connection, transaction);
            mark.Parameters.Add(new NpgsqlParameter { Value = alert.AlertId, NpgsqlDbType = NpgsqlDbType.Bigint });
            mark.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    // Silenced first, then inhibited (the connector's failure or freshness alert says it already), then flapping.
    private static string? HoldReason(EvaluationContext context, OpenAlert alert, DateTimeOffset now)
    {
        if (context.Silences.FirstOrDefault(s => s.Matches(alert.Connector, alert.Rule, alert.Severity, now)) is { } silence)
        {
            return $"silenced by {silence.Id} ({silence.Author}: {silence.Comment})";
        }
        var otherOpenRules = context.OpenAlerts
            .Where(open => open.Connector == alert.Connector && open.AlertId != alert.AlertId).Select(open => open.Rule).ToArray();
        if (Inhibition.IsInhibited(alert.Rule, otherOpenRules))
        {
            return "inhibited: the connector's failure or freshness alert is firing";
        }
        return alert.Flapping ? "flapping: it fired and resolved too often lately" : null;
    }
}
