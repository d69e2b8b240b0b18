using System.Text.Json;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Alerting.Receivers;
using static ConnectorHealth.UnitTests.Alerting.ReceiverSamples;

namespace ConnectorHealth.UnitTests.Alerting;

/// <summary>What each receiver format reads: the generic JSON, the Slack message, the Teams card, the e-mail.</summary>
public sealed class ReceiverBodyTests
{
    private static JsonElement Json(object body) => JsonSerializer.SerializeToElement(body, JsonSerializerOptions.Web);

    [Fact]
    public void TheGenericBodyCarriesTheGroupAndItsOneAlertAsAlert()
    {
        var body = Json(GenericWebhookSender.Body(Group(NotificationKinds.Firing, NoticeStatus.Firing, Alert())));

        Assert.Equal("firing", body.GetProperty("kind").GetString());
        Assert.Equal("firing", body.GetProperty("status").GetString());
        Assert.Equal("ops", body.GetProperty("receiver").GetString());
        Assert.Equal("route:ops/{connector=\"down\"}", body.GetProperty("groupKey").GetString());
        Assert.Equal("down", body.GetProperty("groupLabels").GetProperty("connector").GetString());
        Assert.Equal(42, Assert.Single(body.GetProperty("alerts").EnumerateArray()).GetProperty("alertId").GetInt64());
        Assert.Equal("consecutive_failures", body.GetProperty("alert").GetProperty("rule").GetString());
        Assert.Equal("ConnectorHealth", body.GetProperty("sentBy").GetString());
    }

    [Fact]
    public void TheGenericBodyOfALargerGroupListsItsAlertsAndHasNoSingleAlert()
    {
        var body = Json(GenericWebhookSender.Body(Group(NotificationKinds.Firing, NoticeStatus.Firing, Alert(1), Alert(2, rule: "freshness"))));

        Assert.Equal([1L, 2L], body.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("alertId").GetInt64()));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("alert").ValueKind);
    }

    [Theory]
    [InlineData(NotificationKinds.Firing, "[CRITICAL] consecutive_failures · down")]
    [InlineData(NotificationKinds.Repeat, "Still firing [CRITICAL]: consecutive_failures · down")]
    [InlineData(NotificationKinds.Resolved, "Resolved: consecutive_failures · down")]
    [InlineData(NotificationKinds.Acknowledged, "Acknowledged: consecutive_failures · down")]
    [InlineData(NotificationKinds.Escalation, "Escalated [CRITICAL]: consecutive_failures · down")]
    public void SlackHeadsAOneAlertGroupWithTheRuleAndTheConnector(string kind, string headline)
    {
        var message = Json(SlackSender.Message(Group(kind, NoticeStatus.Firing, Alert())));

        Assert.Equal($"{headline}: 3 runs in a row failed (auth)", message.GetProperty("text").GetString());
        var blocks = message.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(headline, blocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.StartsWith("3 runs in a row failed (auth)\n*What to do:* Check", blocks[1].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SlackListsEveryAlertOfALargerGroupUnderTheHighestFiringSeverity()
    {
        var notice = Group(NotificationKinds.Firing, NoticeStatus.Firing,
            Alert(1, severity: "warning"), Alert(2, rule: "freshness", severity: "info"), Alert(3, rule: "slo_burn", severity: "critical", state: "resolved"));

        var message = Json(SlackSender.Message(notice));

        var lines = message.GetProperty("text").GetString()!.Split('\n');
        Assert.Equal("[WARNING] 3 alerts · connector=down", lines[0]);
        Assert.Equal(
            ["• [WARNING] consecutive_failures · down (firing): 3 runs in a row failed (auth)",
             "• [INFO] freshness · down (firing): 3 runs in a row failed (auth)",
             "• [CRITICAL] slo_burn · down (resolved): 3 runs in a row failed (auth)"],
            lines[1..]);
        var blocks = message.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(["header", "section", "section", "section"], blocks.Select(b => b.GetProperty("type").GetString()));
        Assert.StartsWith("*[INFO] freshness · down (firing)*", blocks[2].GetProperty("text").GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SlackCountsTheAlertsPastTheFirstTwenty()
    {
        var notice = Group(NotificationKinds.Firing, NoticeStatus.Firing, [.. Enumerable.Range(1, 25).Select(i => Alert(i))]);

        var message = Json(SlackSender.Message(notice));

        var blocks = message.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(20, blocks.Count(b => b.GetProperty("type").GetString() == "section"));
        Assert.Contains("5 more alert(s)", blocks[^1].GetProperty("elements")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("… and 5 more alert(s) in this group", message.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ASlackTestMessageSaysItIsATest()
    {
        var message = Json(SlackSender.Message(Notice.Test("ops")));

        Assert.StartsWith("ConnectorHealth test notification", message.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TeamsGetsAMessageWithOneAdaptiveCardAndAFactSetPerAlert()
    {
        var notice = Group(NotificationKinds.Firing, NoticeStatus.Firing, Alert(1), Alert(2, rule: "freshness", severity: "warning"));

        var message = Json(TeamsSender.Message(notice));

        Assert.Equal("message", message.GetProperty("type").GetString());
        var attachment = Assert.Single(message.GetProperty("attachments").EnumerateArray());
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        Assert.Equal(JsonValueKind.Null, attachment.GetProperty("contentUrl").ValueKind);
        var card = attachment.GetProperty("content");
        Assert.Equal(("AdaptiveCard", "1.4"), (card.GetProperty("type").GetString(), card.GetProperty("version").GetString()));
        var body = card.GetProperty("body").EnumerateArray().ToList();
        var header = body[0];
        Assert.Equal(("Container", "attention"), (header.GetProperty("type").GetString(), header.GetProperty("style").GetString()));
        var headline = header.GetProperty("items")[0];
        Assert.Equal("[CRITICAL] 2 alerts · connector=down", headline.GetProperty("text").GetString());
        Assert.Equal("Attention", headline.GetProperty("color").GetString());
        var factSets = body.Skip(1).SelectMany(c => c.GetProperty("items").EnumerateArray())
            .Where(item => item.GetProperty("type").GetString() == "FactSet").ToList();
        Assert.Equal(2, factSets.Count);
        var facts = factSets[1].GetProperty("facts").EnumerateArray()
            .ToDictionary(f => f.GetProperty("title").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal(("down", "freshness", "warning", "firing"), (facts["Connector"], facts["Rule"], facts["Severity"], facts["State"]));
        Assert.Equal("Check the connector's credentials.", facts["What to do"]);
    }

    [Theory]
    [InlineData("critical", NoticeStatus.Firing, "attention")]
    [InlineData("warning", NoticeStatus.Firing, "warning")]
    [InlineData("info", NoticeStatus.Acknowledged, "accent")]
    [InlineData("critical", NoticeStatus.Resolved, "good")]
    public void TheTeamsHeaderTakesTheColourOfTheGroup(string severity, string status, string style)
    {
        var alert = Alert(severity: severity, state: status);
        var kind = status == NoticeStatus.Resolved ? NotificationKinds.Resolved : NotificationKinds.Firing;

        var card = Json(TeamsSender.Card(Group(kind, status, alert)));

        Assert.Equal(style, card.GetProperty("body")[0].GetProperty("style").GetString());
    }

    [Fact]
    public void TheMailIsHeadedLikeTheChatAndListsEveryAlertInTextAndHtml()
    {
        var receiver = new ChannelOptions
        {
            Format = ChannelFormat.Email, SmtpHost = "smtp.example.com", From = "ConnectorHealth <alerts@example.com>",
            To = ["oncall@example.com", "Ops <ops@example.com>"],
        };

        var one = EmailSender.Message(receiver, Group(NotificationKinds.Firing, NoticeStatus.Firing, Alert()));
        var two = EmailSender.Message(receiver, Group(NotificationKinds.Firing, NoticeStatus.Firing, Alert(1), Alert(2, rule: "freshness", message: "no run for 2 h <late>")));

        Assert.Equal("[CRITICAL] consecutive_failures · down", one.Subject);
        Assert.Equal("alerts@example.com", Assert.Single(one.From.Mailboxes).Address);
        Assert.Equal(["oncall@example.com", "ops@example.com"], one.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("[CRITICAL] 2 alerts · connector=down", two.Subject);
        Assert.Contains("[CRITICAL] consecutive_failures · down (firing)", two.TextBody, StringComparison.Ordinal);
        Assert.Contains("[CRITICAL] freshness · down (firing)", two.TextBody, StringComparison.Ordinal);
        Assert.Contains("no run for 2 h <late>", two.TextBody, StringComparison.Ordinal);
        Assert.Contains("no run for 2 h &lt;late&gt;", two.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("[CRITICAL] freshness · down (firing)", System.Net.WebUtility.HtmlDecode(two.HtmlBody), StringComparison.Ordinal);
    }
}
