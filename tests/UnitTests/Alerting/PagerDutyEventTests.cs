using System.Text.Json.Nodes;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Alerting.Receivers;
using CsCheck;
using static ConnectorHealth.UnitTests.Alerting.ReceiverSamples;

namespace ConnectorHealth.UnitTests.Alerting;

/// <summary>The events sent to the PagerDuty Events API v2, field by field as its documentation lists them.</summary>
public sealed class PagerDutyEventTests
{
    private const string RoutingKey = "R0123456789abcdef0123456789abcde";

    [Fact]
    public void AFiringGroupTriggersWithTheDocumentedPayload()
    {
        var notice = Group(NotificationKinds.Firing, NoticeStatus.Firing, Alert(1), Alert(2, rule: "freshness", severity: "warning"));

        var sent = PagerDutySender.Event(RoutingKey, notice);

        Assert.Equal(RoutingKey, (string?)sent["routing_key"]);
        Assert.Equal("trigger", (string?)sent["event_action"]);
        Assert.Equal(PagerDutySender.DedupKey(notice.GroupKey), (string?)sent["dedup_key"]);
        var payload = sent["payload"]!;
        Assert.Equal("[CRITICAL] 2 alerts · connector=down", (string?)payload["summary"]);
        Assert.Equal("down", (string?)payload["source"]);
        Assert.Equal("critical", (string?)payload["severity"]);
        Assert.Equal(FirstSeen.AddMinutes(5), DateTimeOffset.Parse((string)payload["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("consecutive_failures, freshness", (string?)payload["component"]);
        Assert.Equal("consecutive_failures, freshness", (string?)payload["class"]);
        Assert.Equal("connector=down", (string?)payload["group"]);
        var details = payload["custom_details"]!;
        Assert.Equal(2, (int)details["alert_count"]!);
        Assert.Equal([1L, 2L], details["alerts"]!.AsArray().Select(a => (long)a!["alertId"]!));
        Assert.Equal("down", (string?)details["group_labels"]!["connector"]);
    }

    [Fact]
    public void AOneAlertGroupIsSummarisedWithItsMessage()
    {
        var sent = PagerDutySender.Event(RoutingKey, Group(NotificationKinds.Firing, NoticeStatus.Firing, Alert()));

        Assert.Equal("[CRITICAL] consecutive_failures · down: 3 runs in a row failed (auth)", (string?)sent["payload"]!["summary"]);
    }

    [Theory]
    [InlineData("critical", "critical")]
    [InlineData("warning", "warning")]
    [InlineData("info", "info")]
    [InlineData("urgent", "error")]
    public void OurSeveritiesMapOntoPagerDutys(string ours, string theirs)
    {
        Assert.Equal(theirs, PagerDutySender.PagerDutySeverity(ours));
        var sent = PagerDutySender.Event(RoutingKey, Group(NotificationKinds.Firing, NoticeStatus.Firing, Alert(severity: ours)));
        Assert.Equal(theirs, (string?)sent["payload"]!["severity"]);
    }

    [Theory]
    [InlineData(NotificationKinds.Firing, NoticeStatus.Firing, "trigger")]
    [InlineData(NotificationKinds.Repeat, NoticeStatus.Firing, "trigger")]
    [InlineData(NotificationKinds.Escalation, NoticeStatus.Firing, "trigger")]
    [InlineData(NotificationKinds.Acknowledged, NoticeStatus.Acknowledged, "acknowledge")]
    [InlineData(NotificationKinds.Resolved, NoticeStatus.Resolved, "resolve")]
    public void TheGroupsStatusChoosesTheActionAndEveryEventOfTheGroupHasOneDedupKey(string kind, string status, string action)
    {
        var notice = Group(kind, status, Alert(state: status));

        var sent = PagerDutySender.Event(RoutingKey, notice);

        Assert.Equal(action, (string?)sent["event_action"]);
        Assert.Equal(PagerDutySender.DedupKey("route:ops/{connector=\"down\"}"), (string?)sent["dedup_key"]);
        // Acknowledge and resolve carry only the keys, as documented.
        Assert.Equal(action == "trigger", sent.ContainsKey("payload"));
    }

    [Fact]
    public void TheSummaryIsCutToPagerDutysLimit()
    {
        var sent = PagerDutySender.Event(RoutingKey, Group(NotificationKinds.Firing, NoticeStatus.Firing, Alert(message: new string('x', 5000))));

        var summary = (string)sent["payload"]!["summary"]!;
        Assert.Equal(1024, summary.Length);
        Assert.EndsWith("…", summary, StringComparison.Ordinal);
    }

    [Fact]
    public void AVeryLargeGroupDetailsItsFirstFiftyAlertsAndCountsThemAll()
    {
        var notice = Group(NotificationKinds.Firing, NoticeStatus.Firing, [.. Enumerable.Range(1, 120).Select(i => Alert(i, connector: $"c{i}"))]);

        var payload = PagerDutySender.Event(RoutingKey, notice)["payload"]!;

        Assert.Equal(120, (int)payload["custom_details"]!["alert_count"]!);
        Assert.Equal(50, payload["custom_details"]!["alerts"]!.AsArray().Count);
        Assert.Equal("c1, c2, c3 (+117 more)", (string?)payload["source"]);
    }

    [Fact]
    public void ATestTriggersAnInfoEventOfItsOwn()
    {
        var sent = PagerDutySender.Event(RoutingKey, Notice.Test("pager"));

        Assert.Equal("trigger", (string?)sent["event_action"]);
        Assert.Equal("info", (string?)sent["payload"]!["severity"]);
        Assert.Equal(PagerDutySender.DedupKey("test:pager"), (string?)sent["dedup_key"]);
        Assert.False(string.IsNullOrEmpty((string?)sent["payload"]!["summary"]));
        Assert.False(string.IsNullOrEmpty((string?)sent["payload"]!["source"]));
    }

    [Fact]
    public void TheDedupKeyIsShortStableAndPlainForAnyGroupKey()
    {
        var groupKeys = Gen.OneOf(Gen.String[0, 40], Gen.String[200, 5000], Gen.Char.Array[0, 300].Select(c => new string(c)));
        groupKeys.Sample(groupKey =>
        {
            var key = PagerDutySender.DedupKey(groupKey);
            Assert.InRange(key.Length, 1, 255);
            Assert.Equal(key, PagerDutySender.DedupKey(new string(groupKey.AsSpan())));
            Assert.All(key, c => Assert.True(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-', $"'{c}' in {key}"));
        });
    }

    [Fact]
    public void DifferentGroupsGetDifferentDedupKeys()
    {
        // Well-formed text (a lone surrogate has no UTF-8 form: it is hashed as U+FFFD), emoji included.
        var text = Gen.OneOf(Gen.String[0, 300].Where(s => !s.Any(char.IsSurrogate)), Gen.Const("connector=😀"), Gen.Const("connector=😁"));
        Gen.Select(text, text).Where((a, b) => a != b).Sample((a, b) =>
            Assert.NotEqual(PagerDutySender.DedupKey(a), PagerDutySender.DedupKey(b)));
    }

    [Fact]
    public void TheDedupKeyOfAGroupKeyIsFixedAcrossVersions()
    {
        // Pinned: a change here would orphan every alert open in PagerDuty (its acknowledge and resolve would miss it).
        Assert.Equal("connectorhealth-2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", PagerDutySender.DedupKey("hello"));
    }
}
