using System.Globalization;
using ConnectorHealth.Alerting.Channels;

namespace ConnectorHealth.Alerting.Notifications;

/// <summary>The bodies posted to webhook channels: a generic JSON document, or a Slack-compatible message.</summary>
public static class WebhookBodies
{
    public static object For(ChannelFormat format, string kind, AlertBody? alert) => format == ChannelFormat.Slack
        ? Slack(kind, alert)
        : new { kind, alert, sentBy = "ConnectorHealth" };

    private static object Slack(string kind, AlertBody? alert)
    {
        if (alert is null)
        {
            return new { text = "ConnectorHealth test notification: this channel receives alerts." };
        }
        var headline = kind switch
        {
            NotificationKinds.Resolved => $"Resolved: {alert.Rule} · {alert.Connector}",
            NotificationKinds.Repeat => $"Still firing [{alert.Severity.ToUpperInvariant()}]: {alert.Rule} · {alert.Connector}",
            _ => $"[{alert.Severity.ToUpperInvariant()}] {alert.Rule} · {alert.Connector}",
        };
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"{alert.Message}\n*What to do:* {alert.RecommendedAction}\nAlert {alert.AlertId} · {alert.Occurrences} occurrence(s) since {alert.FirstSeen:u}");
        return new
        {
            text = $"{headline}: {alert.Message}",
            blocks = new object[]
            {
                new { type = "header", text = new { type = "plain_text", text = headline } },
                new { type = "section", text = new { type = "mrkdwn", text = detail } },
            },
        };
    }
}
