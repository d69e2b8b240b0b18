using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;

namespace ConnectorHealth.Alerting.Receivers;

/// <summary>
/// The PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/): a group is one
/// PagerDuty alert, keyed by <see cref="DedupKey"/>. A firing group triggers it (again on a repeat or an escalation,
/// which PagerDuty adds to the same alert), an acknowledged group acknowledges it, a resolved group resolves it. 202 is
/// delivered; 400 (an invalid event) is final; 429 and 5xx are tried again.
/// </summary>
public sealed class PagerDutySender(IHttpClientFactory http) : IReceiverSender
{
    // The documented limits: a summary of 1024 characters, an event of 512 KB (the alerts listed are bounded well below).
    private const int SummaryLength = 1024;
    private const int DetailedAlerts = 50;
    private const string DedupPrefix = "connectorhealth-";

    public ChannelFormat Format => ChannelFormat.PagerDuty;

    public Task<DeliveryOutcome> SendAsync(string name, ChannelOptions receiver, Notice notice, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(receiver.RoutingKey))
        {
            return Task.FromResult(new DeliveryOutcome(false, null, "the receiver has no RoutingKey", Final: true));
        }
        return ReceiverHttp.PostAsync(
            http.CreateClient(ReceiverSenders.HttpClientName), receiver.PagerDutyUrl, JsonContent.Create(Event(receiver.RoutingKey, notice)), cancellationToken);
    }

    /// <summary>
    /// The group's PagerDuty <c>dedup_key</c>: "connectorhealth-" and the SHA-256 of the group key (UTF-8) in lower-case
    /// hex, 80 characters whatever the group key's length (PagerDuty takes up to 255), the same for the same group key
    /// in every process and version, so trigger, acknowledge and resolve of one group reach one PagerDuty alert.
    /// </summary>
    public static string DedupKey(string groupKey) =>
        DedupPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(groupKey)));

    /// <summary>trigger, acknowledge or resolve, from the group's status; a test triggers.</summary>
    public static string EventAction(Notice notice) => notice.Kind == NotificationKinds.Test
        ? "trigger"
        : notice.Status switch
        {
            NoticeStatus.Resolved => "resolve",
            NoticeStatus.Acknowledged => "acknowledge",
            _ => "trigger",
        };

    /// <summary>PagerDuty's severity (critical, error, warning, info) for ours (critical, warning, info); error for an unknown one.</summary>
    public static string PagerDutySeverity(string severity) => NoticeText.SeverityOf(severity) switch
    {
        Severity.Critical => "critical",
        Severity.Warning => "warning",
        Severity.Info => "info",
        _ => "error",
    };

    /// <summary>
    /// The event posted. A trigger carries the payload (summary, source, severity, timestamp, component, group, class,
    /// custom_details with the alerts); acknowledge and resolve only the keys, as the API documents them.
    /// </summary>
    public static JsonObject Event(string routingKey, Notice notice)
    {
        var action = EventAction(notice);
        var body = new JsonObject
        {
            ["routing_key"] = routingKey,
            ["event_action"] = action,
            ["dedup_key"] = DedupKey(notice.GroupKey),
            ["client"] = "ConnectorHealth",
        };
        if (action == "trigger")
        {
            body["payload"] = Payload(notice);
        }
        return body;
    }

    private static JsonObject Payload(Notice notice)
    {
        var test = notice.Kind == NotificationKinds.Test || notice.Alerts.Count == 0;
        var summary = test ? NoticeText.TestText
            : notice.Alerts.Count == 1 ? $"{NoticeText.Headline(notice)}: {notice.Alerts[0].Message}"
            : NoticeText.Headline(notice);
        var details = new JsonObject
        {
            ["kind"] = notice.Kind,
            ["status"] = notice.Status,
            ["receiver"] = notice.Receiver,
            ["group_key"] = notice.GroupKey,
            ["group_labels"] = JsonSerializer.SerializeToNode(notice.GroupLabels),
            ["alert_count"] = notice.Alerts.Count,
            ["alerts"] = JsonSerializer.SerializeToNode(notice.Alerts.Take(DetailedAlerts), JsonSerializerOptions.Web),
        };
        if (notice.Note is { Length: > 0 } note)
        {
            details["note"] = note;
        }
        var payload = new JsonObject
        {
            ["summary"] = NoticeText.Cut(summary, SummaryLength),
            ["source"] = test ? "ConnectorHealth" : Summary(notice.Alerts.Select(a => a.Connector)),
            ["severity"] = test ? "info" : PagerDutySeverity(NoticeText.GroupSeverity(notice)),
        };
        if (!test)
        {
            payload["timestamp"] = notice.Alerts.Max(a => a.LastSeen).ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
            // The connector is the affected system; the rule is both the part of it that is broken and the kind of event.
            payload["component"] = Summary(notice.Alerts.Select(a => a.Rule));
            payload["class"] = Summary(notice.Alerts.Select(a => a.Rule));
        }
        payload["group"] = notice.GroupLabels.Count > 0 ? NoticeText.Labels(notice) : "ConnectorHealth";
        payload["custom_details"] = details;
        return payload;
    }

    // "down", or "down, up, slow (+4 more)": the distinct values in order, a few by name.
    private static string Summary(IEnumerable<string> values)
    {
        var distinct = values.Distinct(StringComparer.Ordinal).ToList();
        var named = string.Join(", ", distinct.Take(3));
        return NoticeText.Cut(distinct.Count > 3 ? $"{named} (+{distinct.Count - 3} more)" : named, 255);
    }
}
