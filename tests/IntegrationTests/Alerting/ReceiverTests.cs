using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Alerting.Receivers;
using ConnectorHealth.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHealth.IntegrationTests.Alerting;

/// <summary>
/// The receivers against real servers on this machine that keep to each one's documented contract: PagerDuty's Events
/// API v2, a Teams workflow, an SMTP server; and receivers that are not there or do not answer.
/// </summary>
public sealed class ReceiverTests : IAsyncLifetime
{
    private const string RoutingKey = "R0123456789abcdef0123456789abcde";
    private static readonly DateTimeOffset Seen = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    private ServiceProvider _services = null!;
    private ReceiverSenders _senders = null!;

    public Task InitializeAsync()
    {
        _services = new ServiceCollection().AddReceiverSenders().BuildServiceProvider();
        _senders = _services.GetRequiredService<ReceiverSenders>();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task TriggerAcknowledgeAndResolveOfOneGroupReachOnePagerDutyAlert()
    {
        await using var pagerDuty = new PagerDutyEventsServer();
        await pagerDuty.StartAsync();
        var receiver = new ChannelOptions { Format = ChannelFormat.PagerDuty, Url = pagerDuty.Url, RoutingKey = RoutingKey };
        var groupKey = "route:pager/{connector=\"down\"}/" + new string('x', 400);

        var outcomes = new List<DeliveryOutcome>
        {
            await SendAsync(receiver, Group(NotificationKinds.Firing, NoticeStatus.Firing, groupKey, "firing", "firing")),
            await SendAsync(receiver, Group(NotificationKinds.Repeat, NoticeStatus.Firing, groupKey, "firing", "firing")),
        };
        Assert.Equal("triggered", Assert.Single(pagerDuty.Alerts).Value);
        outcomes.Add(await SendAsync(receiver, Group(NotificationKinds.Acknowledged, NoticeStatus.Acknowledged, groupKey, "acknowledged", "acknowledged")));
        Assert.Equal("acknowledged", Assert.Single(pagerDuty.Alerts).Value);
        outcomes.Add(await SendAsync(receiver, Group(NotificationKinds.Resolved, NoticeStatus.Resolved, groupKey, "resolved", "resolved")));

        Assert.All(outcomes, outcome => Assert.Equal((true, 202, null, false), (outcome.Delivered, outcome.StatusCode, outcome.Error, outcome.Final)));
        Assert.Equal(["trigger", "trigger", "acknowledge", "resolve"], pagerDuty.Accepted.Select(e => (string?)e["event_action"]));
        var dedupKey = Assert.Single(pagerDuty.Accepted.Select(e => (string)e["dedup_key"]!).Distinct());
        Assert.Equal(PagerDutySender.DedupKey(groupKey), dedupKey);
        var alert = Assert.Single(pagerDuty.Alerts);
        Assert.Equal(((RoutingKey, dedupKey), "resolved"), (alert.Key, alert.Value));
    }

    [Fact]
    public async Task AnEventPagerDutyFindsInvalidIsRefusedForGood()
    {
        await using var pagerDuty = new PagerDutyEventsServer();
        await pagerDuty.StartAsync();
        // Not what validation lets through at start-up, but a key can be revoked or mistyped in a secret store.
        var receiver = new ChannelOptions { Format = ChannelFormat.PagerDuty, Url = pagerDuty.Url, RoutingKey = "not-a-routing-key" };

        var outcome = await SendAsync(receiver, Group(NotificationKinds.Firing, NoticeStatus.Firing, "group", "firing"));

        Assert.Equal((false, 400, true), (outcome.Delivered, outcome.StatusCode, outcome.Final));
        Assert.Contains("routing_key", outcome.Error, StringComparison.Ordinal);
        Assert.Empty(pagerDuty.Accepted);
    }

    [Fact]
    public async Task ARateLimitedEventIsTriedAgainAndThenAccepted()
    {
        await using var pagerDuty = new PagerDutyEventsServer();
        await pagerDuty.StartAsync();
        var receiver = new ChannelOptions { Format = ChannelFormat.PagerDuty, Url = pagerDuty.Url, RoutingKey = RoutingKey };
        var notice = Group(NotificationKinds.Firing, NoticeStatus.Firing, "group", "firing");
        pagerDuty.RateLimitNext(2);

        var first = await SendAsync(receiver, notice);
        var second = await SendAsync(receiver, notice);
        var third = await SendAsync(receiver, notice);

        Assert.Equal((false, 429, false), (first.Delivered, first.StatusCode, first.Final));
        Assert.Contains("429", first.Error, StringComparison.Ordinal);
        Assert.Equal((false, 429, false), (second.Delivered, second.StatusCode, second.Final));
        Assert.Equal((true, 202), (third.Delivered, third.StatusCode));
        Assert.Equal([429, 429, 202], pagerDuty.Answers);
        Assert.Single(pagerDuty.Accepted);
    }

    [Fact]
    public async Task ATeamsWorkflowGetsAnAdaptiveCardWithAFactSetPerAlert()
    {
        await using var teams = new TeamsWorkflowEndpoint();
        await teams.StartAsync();
        var receiver = new ChannelOptions { Format = ChannelFormat.Teams, Url = teams.Url };

        var outcome = await SendAsync(receiver, Group(NotificationKinds.Firing, NoticeStatus.Firing, "group", "firing", "resolved"));

        Assert.Equal((true, 202), (outcome.Delivered, outcome.StatusCode));
        var card = Assert.Single(teams.Cards);
        Assert.Equal(("AdaptiveCard", "1.4"), ((string?)card["type"], (string?)card["version"]));
        Assert.Equal("[CRITICAL] 2 alerts · connector=down", (string?)card["body"]![0]!["items"]![0]!["text"]);
        var factSets = card["body"]!.AsArray().Skip(1).SelectMany(container => container!["items"]!.AsArray())
            .Where(item => (string?)item!["type"] == "FactSet").ToList();
        Assert.Equal(2, factSets.Count);
        Assert.Equal(["firing", "resolved"], factSets.Select(set => (string?)set!["facts"]!.AsArray().Single(f => (string?)f!["title"] == "State")!["value"]));
    }

    [Fact]
    public async Task AThrottledWorkflowIsTriedAgainAfterTheTimeItAsked()
    {
        await using var teams = new TeamsWorkflowEndpoint();
        await teams.StartAsync();
        teams.ThrottleNext(1);

        var outcome = await SendAsync(new ChannelOptions { Format = ChannelFormat.Teams, Url = teams.Url },
            Group(NotificationKinds.Firing, NoticeStatus.Firing, "group", "firing"));

        Assert.Equal((false, 429, false, TimeSpan.FromSeconds(7)), (outcome.Delivered, outcome.StatusCode, outcome.Final, outcome.RetryAfter));
    }

    [Fact]
    public async Task AnSmtpServerGetsAMailWhoseSubjectAndBodyListTheAlerts()
    {
        await using var smtp = new SmtpTestServer("alerts", "s3cret");
        smtp.Start();
        var receiver = Mail(smtp.Port, password: "s3cret");

        var outcome = await SendAsync(receiver, Group(NotificationKinds.Firing, NoticeStatus.Firing, "group", "firing", "resolved"));

        Assert.True(outcome.Delivered, outcome.Error);
        var (user, mail) = Assert.Single(smtp.Received);
        Assert.Equal("alerts", user);
        Assert.Equal("[CRITICAL] 2 alerts · connector=down", mail.Subject);
        Assert.Equal("alerts@example.com", Assert.Single(mail.From.Mailboxes).Address);
        Assert.Equal(["oncall@example.com", "ops@example.com"], mail.To.Mailboxes.Select(m => m.Address));
        Assert.Contains("[CRITICAL] rule_1 · down (firing)", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("[CRITICAL] rule_2 · down (resolved)", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("alert 2 says what broke", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("[CRITICAL] rule_2 · down (resolved)", WebUtility.HtmlDecode(mail.HtmlBody), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongSmtpPasswordIsFinal()
    {
        await using var smtp = new SmtpTestServer("alerts", "s3cret");
        smtp.Start();

        var outcome = await SendAsync(Mail(smtp.Port, password: "wrong"), Group(NotificationKinds.Firing, NoticeStatus.Firing, "group", "firing"));

        Assert.Equal((false, true), (outcome.Delivered, outcome.Final));
        Assert.Contains("login", outcome.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(smtp.Received);
    }

    [Fact]
    public async Task APasswordIsNotSentToAServerThatOffersNoTlsUnlessTheReceiverAllowsPlainText()
    {
        await using var smtp = new SmtpTestServer("alerts", "s3cret");
        smtp.Start();
        var receiver = Mail(smtp.Port, password: "s3cret");
        receiver.SmtpSecurity = SmtpSecurity.Auto;

        var outcome = await SendAsync(receiver, Group(NotificationKinds.Firing, NoticeStatus.Firing, "group", "firing"));

        Assert.Equal((false, true), (outcome.Delivered, outcome.Final));
        Assert.Contains("offered no TLS", outcome.Error, StringComparison.Ordinal);
        Assert.Empty(smtp.Received);
    }

    [Fact]
    public async Task AMailWithoutLoginGoesOutOverAutoSecurity()
    {
        await using var smtp = new SmtpTestServer("alerts", "s3cret");
        smtp.Start();
        var receiver = Mail(smtp.Port);
        receiver.SmtpSecurity = SmtpSecurity.Auto;

        var outcome = await SendAsync(receiver, Group(NotificationKinds.Resolved, NoticeStatus.Resolved, "group", "resolved"));

        Assert.True(outcome.Delivered, outcome.Error);
        var (user, mail) = Assert.Single(smtp.Received);
        Assert.Null(user);
        Assert.Equal("Resolved: rule_1 · down", mail.Subject);
    }

    [Theory]
    [InlineData(ChannelFormat.Generic)]
    [InlineData(ChannelFormat.Slack)]
    [InlineData(ChannelFormat.PagerDuty)]
    [InlineData(ChannelFormat.Teams)]
    [InlineData(ChannelFormat.Email)]
    public async Task AReceiverThatIsNotThereGivesAnErrorWorthRetrying(ChannelFormat format)
    {
        var port = TestPorts.Free();

        var outcome = await SendAsync(Receiver(format, port), Group(NotificationKinds.Firing, NoticeStatus.Firing, "group", "firing"));

        Assert.Equal((false, null, false), (outcome.Delivered, outcome.StatusCode, outcome.Final));
        Assert.False(string.IsNullOrWhiteSpace(outcome.Error));
    }

    [Theory]
    [InlineData(ChannelFormat.Generic)]
    [InlineData(ChannelFormat.PagerDuty)]
    [InlineData(ChannelFormat.Email)]
    public async Task AReceiverThatDoesNotAnswerInTimeGivesAnErrorWorthRetrying(ChannelFormat format)
    {
        // Takes the connection and never says a word.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        var outcome = await _senders.SendAsync("slow", Receiver(format, port), Group(NotificationKinds.Firing, NoticeStatus.Firing, "group", "firing"), deadline.Token);

        Assert.Equal((false, null, false), (outcome.Delivered, outcome.StatusCode, outcome.Final));
        Assert.Equal("no answer in time", outcome.Error);
    }

    private async Task<DeliveryOutcome> SendAsync(ChannelOptions receiver, Notice notice)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _senders.SendAsync(notice.Receiver, receiver, notice, deadline.Token);
    }

    private static ChannelOptions Receiver(ChannelFormat format, int port) => format switch
    {
        ChannelFormat.PagerDuty => new() { Format = format, Url = $"http://127.0.0.1:{port}/v2/enqueue", RoutingKey = RoutingKey },
        ChannelFormat.Email => Mail(port),
        _ => new() { Format = format, Url = $"http://127.0.0.1:{port}/hook" },
    };

    private static ChannelOptions Mail(int port, string? password = null) => new()
    {
        Format = ChannelFormat.Email,
        SmtpHost = "127.0.0.1",
        SmtpPort = port,
        SmtpSecurity = SmtpSecurity.None,
        Username = password is null ? null : "alerts",
        Password = password,
        From = "ConnectorHealth <alerts@example.com>",
        To = ["oncall@example.com", "Ops <ops@example.com>"],
    };

    // A group of alerts of the connector "down", one per state given, all critical.
    private static Notice Group(string kind, string status, string groupKey, params string[] states) => new(
        kind, "ops", groupKey, new Dictionary<string, string> { ["connector"] = "down" }, status,
        [.. states.Select((state, i) => new AlertBody(i + 1, "down", $"rule_{i + 1}", "critical", state, $"alert {i + 1} says what broke",
            "Look at the connector's last runs.", 2, Seen, Seen.AddMinutes(3), null, state == "resolved" ? Seen.AddMinutes(4) : null))]);
}
