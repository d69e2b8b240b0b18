using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;

namespace ConnectorHealth.Alerting.Receivers;

/// <summary>
/// Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is received"), which takes
/// a message with one Adaptive Card attachment (Workflows read Adaptive Cards only, not the old connector cards).
/// 200 or 202 is delivered.
/// </summary>
public sealed class TeamsSender(IHttpClientFactory http) : IReceiverSender
{
    public ChannelFormat Format => ChannelFormat.Teams;

    public Task<DeliveryOutcome> SendAsync(string name, ChannelOptions receiver, Notice notice, CancellationToken cancellationToken) =>
        ReceiverHttp.PostAsync(http.CreateClient(ReceiverSenders.HttpClientName), receiver.Url, JsonContent.Create(Message(notice)), cancellationToken);

    /// <summary><c>{ "type": "message", "attachments": [ { contentType, contentUrl: null, content: &lt;card&gt; } ] }</c>.</summary>
    public static JsonObject Message(Notice notice) => new()
    {
        ["type"] = "message",
        ["attachments"] = new JsonArray(new JsonObject
        {
            ["contentType"] = "application/vnd.microsoft.card.adaptive",
            ["contentUrl"] = null,
            ["content"] = Card(notice),
        }),
    };

    /// <summary>
    /// An Adaptive Card 1.4: a header in the group's colour (attention for critical, warning, accent for info, good
    /// when resolved), the note, then per alert its title and message and a FactSet, the first
    /// <see cref="NoticeText.ListedInChat"/> of them, then how many more.
    /// </summary>
    public static JsonObject Card(Notice notice)
    {
        var test = notice.Kind == NotificationKinds.Test || notice.Alerts.Count == 0;
        var colour = test ? "Accent" : Colour(notice.Status == NoticeStatus.Resolved ? null : NoticeText.GroupSeverity(notice));
        var body = new JsonArray(new JsonObject
        {
            ["type"] = "Container",
            ["style"] = colour.ToLowerInvariant(),
            ["bleed"] = true,
            ["items"] = new JsonArray(
                TextBlock(NoticeText.Headline(notice), size: "Large", weight: "Bolder", colour: colour),
                TextBlock(test ? NoticeText.TestText : GroupLine(notice), isSubtle: true)),
        });
        if (notice.Note is { Length: > 0 } note)
        {
            body.Add(TextBlock(note));
        }
        foreach (var alert in notice.Alerts.Take(NoticeText.ListedInChat))
        {
            body.Add(new JsonObject
            {
                ["type"] = "Container",
                ["separator"] = true,
                ["items"] = new JsonArray(
                    TextBlock(NoticeText.Title(alert), weight: "Bolder", colour: Colour(alert.State == NoticeStatus.Resolved ? null : alert.Severity)),
                    TextBlock(alert.Message),
                    Facts(alert)),
            });
        }
        if (notice.Alerts.Count > NoticeText.ListedInChat)
        {
            body.Add(TextBlock(NoticeText.MoreAlerts(notice.Alerts.Count - NoticeText.ListedInChat), isSubtle: true));
        }
        return new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["msteams"] = new JsonObject { ["width"] = "Full" },
            ["body"] = body,
        };
    }

    private static string GroupLine(Notice notice) =>
        string.Create(CultureInfo.InvariantCulture, $"{notice.Alerts.Count} alert(s), {notice.Status}")
        + (notice.GroupLabels.Count > 0 ? $" · {NoticeText.Labels(notice)}" : "");

    private static JsonObject Facts(AlertBody alert)
    {
        var facts = new JsonArray(
            Fact("Connector", alert.Connector),
            Fact("Rule", alert.Rule),
            Fact("Severity", alert.Severity),
            Fact("State", alert.State),
            Fact("Occurrences", alert.Occurrences.ToString(CultureInfo.InvariantCulture)),
            Fact("First seen", alert.FirstSeen.ToString("u", CultureInfo.InvariantCulture)),
            Fact("Last seen", alert.LastSeen.ToString("u", CultureInfo.InvariantCulture)));
        if (alert.ResolvedAt is { } resolved)
        {
            facts.Add(Fact("Resolved", resolved.ToString("u", CultureInfo.InvariantCulture)));
        }
        facts.Add(Fact("What to do", alert.RecommendedAction));
        facts.Add(Fact("Alert", alert.AlertId.ToString(CultureInfo.InvariantCulture)));
        return new JsonObject { ["type"] = "FactSet", ["facts"] = facts };
    }

    private static JsonObject Fact(string title, string value) => new() { ["title"] = title, ["value"] = value };

    private static JsonObject TextBlock(string text, string? size = null, string? weight = null, string? colour = null, bool isSubtle = false)
    {
        var block = new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true };
        if (size is not null)
        {
            block["size"] = size;
        }
        if (weight is not null)
        {
            block["weight"] = weight;
        }
        if (colour is not null)
        {
            block["color"] = colour;
        }
        if (isSubtle)
        {
            block["isSubtle"] = true;
        }
        return block;
    }

    // Adaptive Card colours (a TextBlock's color; a Container's style is the same word in lower case).
    private static string Colour(string? severity) => severity is null
        ? "Good"
        : NoticeText.SeverityOf(severity) switch
        {
            Severity.Critical => "Attention",
            Severity.Warning => "Warning",
            _ => "Accent",
        };
}
