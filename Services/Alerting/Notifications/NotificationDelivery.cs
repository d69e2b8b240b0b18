using System.Text.Json;
using ConnectorHealth.Alerting.Receivers;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Alerting.Notifications;

/// <summary>
/// Delivers queued notifications to their channels (webhook, Slack, PagerDuty, Teams, e-mail). Each is claimed with a lease (so replicas share the work
/// and a crash mid-delivery only delays it), sent with a timeout, and on failure retried with backoff until
/// <see cref="AlertingOptions.MaxDeliveryAttempts"/>; every attempt's outcome is kept on the row. Deliveries run in
/// parallel and apart from alert processing, so a dead or slow channel holds up nothing but itself.
/// </summary>
public sealed partial class NotificationDelivery(
    NpgsqlDataSource dataSource,
    ReceiverSenders senders,
    IOptionsMonitor<AlertingOptions> options,
    TimeProvider time,
    ILogger<NotificationDelivery> logger)
{
    private const int ClaimBatch = 20;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>One round: claims what is due, delivers it, records the outcomes. Returns how many were attempted.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var claimed = new List<ClaimedNotification>();
        await using (var claim = dataSource.CreateCommand(
            $"""
            WITH due AS (
                SELECT notification_id FROM alerting.notifications
                WHERE status = 'pending' AND next_attempt_at <= $1
                ORDER BY next_attempt_at LIMIT {ClaimBatch} FOR UPDATE SKIP LOCKED
            )
            UPDATE alerting.notifications n SET next_attempt_at = $2, attempts = n.attempts + 1
            FROM due WHERE n.notification_id = due.notification_id
            RETURNING n.notification_id, n.channel, n.kind, n.attempts, n.alert_id, n.body::text
            """))
        {
            claim.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            claim.Parameters.Add(new NpgsqlParameter { Value = now + Lease, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                claimed.Add(new ClaimedNotification(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                    reader.IsDBNull(4) ? null : reader.GetInt64(4),
                    reader.IsDBNull(5) ? null : JsonSerializer.Deserialize<Notice>(reader.GetString(5), NoticeJson.Options)));
            }
        }
        if (claimed.Count == 0)
        {
            return 0;
        }
        // A message queued before groups existed carries no body: it is its one alert, as it is now.
        var alerts = await ReadAlertBodiesAsync(
            claimed.Where(c => c.Notice is null).Select(c => c.AlertId).OfType<long>().Distinct().ToArray(), cancellationToken);
        var outcomes = await Task.WhenAll(claimed.Select(c => DeliverAsync(c, c.Notice ?? Single(c, alerts), cancellationToken)));
        await RecordOutcomesAsync(claimed.Zip(outcomes).ToList(), cancellationToken);
        return claimed.Count;
    }

    /// <summary>Posts a test message to a channel now and says what happened (also kept as a notification).</summary>
    public async Task<DeliveryOutcome> TestAsync(string channel, CancellationToken cancellationToken)
    {
        long id;
        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO alerting.notifications (channel, kind, status, attempts) VALUES ($1, 'test', 'pending', 1) RETURNING notification_id"))
        {
            insert.Parameters.AddWithValue(channel);
            id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }
        var notice = Notice.Test(channel);
        var claimed = new ClaimedNotification(id, channel, NotificationKinds.Test, 1, null, notice);
        var outcome = await DeliverAsync(claimed, notice, cancellationToken);
        // A test is tried once: its outcome is final.
        await RecordOutcomesAsync([(claimed with { Attempts = options.CurrentValue.MaxDeliveryAttempts }, outcome)], cancellationToken);
        return outcome;
    }

    private static Notice? Single(ClaimedNotification notification, Dictionary<long, AlertBody> alerts) =>
        notification.AlertId is { } id && alerts.TryGetValue(id, out var alert)
            ? new Notice(notification.Kind, notification.Channel, $"alert:{id}", new Dictionary<string, string>(), alert.State, [alert])
            : null;

    private async Task<DeliveryOutcome> DeliverAsync(ClaimedNotification notification, Notice? notice, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        if (!settings.Channels.TryGetValue(notification.Channel, out var channel) || !channel.Enabled)
        {
            return new DeliveryOutcome(false, null, "the channel is no longer configured or is disabled", Final: true);
        }
        if (notice is null)
        {
            return new DeliveryOutcome(false, null, "the alert no longer exists", Final: true);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.DeliveryTimeout);
        try
        {
            return await senders.SendAsync(notification.Channel, channel, notice, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryOutcome(false, null, $"no answer within {settings.DeliveryTimeout.TotalSeconds:0.#} s");
        }
    }

    private async Task RecordOutcomesAsync(List<(ClaimedNotification Notification, DeliveryOutcome Outcome)> results, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var max = options.CurrentValue.MaxDeliveryAttempts;
        await using var batch = dataSource.CreateBatch();
        foreach (var (notification, outcome) in results)
        {
            var status = outcome.Delivered ? "delivered" : outcome.Final || notification.Attempts >= max ? "failed" : "pending";
            var command = new NpgsqlBatchCommand(
                """
                UPDATE alerting.notifications
                SET status = $2, delivered_at = $3, last_status_code = $4, last_error = $5, next_attempt_at = $6
                WHERE notification_id = $1
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = notification.NotificationId, NpgsqlDbType = NpgsqlDbType.Bigint });
            command.Parameters.AddWithValue(status);
            command.Parameters.Add(new NpgsqlParameter { Value = outcome.Delivered ? now : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)outcome.StatusCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)outcome.Error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            // A receiver that says when to come back (429, 503 with Retry-After) is not asked sooner; nor later than the cap.
            var backoff = NotificationBackoff.Delay(notification.Attempts);
            var wait = outcome.RetryAfter is { } retryAfter && retryAfter > backoff ? (retryAfter < NotificationBackoff.Max ? retryAfter : NotificationBackoff.Max) : backoff;
            command.Parameters.Add(new NpgsqlParameter { Value = now + wait, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            batch.BatchCommands.Add(command);
            if (!outcome.Delivered)
            {
                LogDeliveryFailed(logger, notification.Kind, notification.Channel, notification.Attempts, outcome.Error, status);
            }
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<Dictionary<long, AlertBody>> ReadAlertBodiesAsync(long[] alertIds, CancellationToken cancellationToken)
    {
        var alerts = new Dictionary<long, AlertBody>();
        if (alertIds.Length == 0)
        {
            return alerts;
        }
        await using var command = dataSource.CreateCommand($"SELECT {AlertBodies.Columns} FROM alerting.alerts a WHERE a.alert_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = alertIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var alert = AlertBodies.Read(reader, 0);
            alerts[alert.AlertId] = alert;
        }
        return alerts;
    }

    private sealed record ClaimedNotification(long NotificationId, string Channel, string Kind, int Attempts, long? AlertId, Notice? Notice);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivering a {Kind} notification to {Channel} failed (attempt {Attempt}): {Error}; now {Status}")]
    private static partial void LogDeliveryFailed(ILogger logger, string kind, string channel, int attempt, string? error, string status);
}
