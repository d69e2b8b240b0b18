using System.Globalization;
using System.Net.Http.Json;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;

namespace ConnectorHealth.Alerting.Receivers;

/// <summary>A Slack incoming webhook: a headline, and a section per alert of the group.</summary>
public sealed class SlackSender(IHttpClientFactory http) : IReceiverSender
{
    // Slack's limits: a header block's text, a section's text.
    private const int HeaderLength = 150;
    private const int SectionLength = 3000;

    public ChannelFormat Format => ChannelFormat.Slack;

    public Task<DeliveryOutcome> SendAsync(string name, ChannelOptions receiver, Notice notice, CancellationToken cancellationToken) =>
        ReceiverHttp.PostAsync(http.CreateClient(ReceiverSenders.HttpClientName), receiver.Url, JsonContent.Create(Message(notice)), cancellationToken);

    /// <summary>
    /// <c>{ text, blocks }</c>. A group of one alert reads "[CRITICAL] consecutive_failures · down: &lt;message&gt;";
    /// a larger group "[CRITICAL] 5 alerts · connector=down" with a line per alert in the text and a section per
    /// alert in the blocks (the first <see cref="NoticeText.ListedInChat"/>, then how many more).
    /// </summary>
    public static object Message(Notice notice)
    {
        if (notice.Kind == NotificationKinds.Test || notice.Alerts.Count == 0)
        {
            return new { text = NoticeText.TestText };
        }
        var headline = NoticeText.Headline(notice);
        var blocks = new List<object> { new { type = "header", text = new { type = "plain_text", text = NoticeText.Cut(headline, HeaderLength) } } };
        if (notice.Note is { Length: > 0 } note)
        {
            blocks.Add(new { type = "context", elements = new object[] { new { type = "mrkdwn", text = NoticeText.Cut(note, SectionLength) } } });
        }
        if (notice.Alerts.Count == 1)
        {
            var alert = notice.Alerts[0];
            blocks.Add(Section(string.Create(CultureInfo.InvariantCulture,
                $"{alert.Message}\n*What to do:* {alert.RecommendedAction}\nAlert {alert.AlertId} · {alert.Occurrences} occurrence(s) since {alert.FirstSeen:u}")));
            return new { text = $"{headline}: {alert.Message}", blocks };
        }
        var listed = notice.Alerts.Take(NoticeText.ListedInChat).ToList();
        foreach (var alert in listed)
        {
            blocks.Add(Section($"*{NoticeText.Title(alert)}*\n{alert.Message}\n*What to do:* {alert.RecommendedAction}\n{NoticeText.Occurrences(alert)}"));
        }
        var lines = listed.Select(alert => $"• {NoticeText.Title(alert)}: {alert.Message}").ToList();
        if (notice.Alerts.Count > listed.Count)
        {
            var more = NoticeText.MoreAlerts(notice.Alerts.Count - listed.Count);
            blocks.Add(new { type = "context", elements = new object[] { new { type = "mrkdwn", text = more } } });
            lines.Add(more);
        }
        return new { text = string.Join('\n', [headline, .. lines]), blocks };
    }

    private static object Section(string text) => new { type = "section", text = new { type = "mrkdwn", text = NoticeText.Cut(text, SectionLength) } };
}
