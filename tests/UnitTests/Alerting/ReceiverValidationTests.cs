using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Alerting;
using ConnectorHealth.Alerting.Apis;
using ConnectorHealth.Alerting.Channels;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.UnitTests.Alerting;

/// <summary>What each receiver format needs configured, and what the channel list shows of it (never a secret).</summary>
public sealed class ReceiverValidationTests
{
    private const string RoutingKey = "R0123456789abcdef0123456789abcde";

    [Theory]
    [InlineData(ChannelFormat.Generic)]
    [InlineData(ChannelFormat.Slack)]
    [InlineData(ChannelFormat.Teams)]
    public void WebhookFormatsNeedAnHttpUrl(ChannelFormat format)
    {
        Assert.Equal(["Url must be an absolute http or https URL."], Errors(new ChannelOptions { Format = format }));
        Assert.Equal(["Url must be an absolute http or https URL."], Errors(new ChannelOptions { Format = format, Url = "ftp://example.com/x" }));
        Assert.Empty(Errors(new ChannelOptions { Format = format, Url = "https://example.com/hook" }));
    }

    [Fact]
    public void PagerDutyNeedsARoutingKeyAndNoUrl()
    {
        Assert.Empty(Errors(new ChannelOptions { Format = ChannelFormat.PagerDuty, RoutingKey = RoutingKey }));
        Assert.Equal(
            ["RoutingKey is required for PagerDuty: the integration key of an Events API v2 integration on the service."],
            Errors(new ChannelOptions { Format = ChannelFormat.PagerDuty }));
        Assert.Equal(
            ["RoutingKey must be the 32-character integration key of an Events API v2 integration, not 5 characters."],
            Errors(new ChannelOptions { Format = ChannelFormat.PagerDuty, RoutingKey = "short" }));
        Assert.Equal(
            ["Url must be an absolute http or https URL for PagerDuty, or empty for https://events.pagerduty.com/v2/enqueue."],
            Errors(new ChannelOptions { Format = ChannelFormat.PagerDuty, RoutingKey = RoutingKey, Url = "events.eu.pagerduty.com" }));
    }

    [Fact]
    public void EmailNeedsAServerASenderAndRecipientsAndNoUrl()
    {
        Assert.Empty(Errors(Mail()));
        Assert.Equal(
            [
                "SmtpHost is required for e-mail: the SMTP server's host name.",
                "From is required for e-mail: the sender's address.",
                "To must list at least one address for e-mail.",
            ],
            Errors(new ChannelOptions { Format = ChannelFormat.Email }));
        Assert.Equal(
            ["From: 'alerts' is not an e-mail address.", "To: 'oncall@' is not an e-mail address."],
            Errors(Mail(from: "alerts", to: ["ops@example.com", "oncall@"])));
        Assert.Equal(["Password is required when Username is set."], Errors(Mail(username: "alerts")));
        Assert.Empty(Errors(Mail(username: "alerts", password: "secret")));
    }

    [Fact]
    public void ThePortMustBeAPort()
    {
        var errors = Errors(Mail(port: 0));

        Assert.Contains("SmtpPort", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void TheChannelListShowsWhereNotificationsGoAndNoSecret()
    {
        var options = new AlertingOptions();
        options.Channels["hook"] = new ChannelOptions { Url = "https://hooks.example.com:8443/services/T0/B0/secretpath" };
        options.Channels["pager"] = new ChannelOptions { Format = ChannelFormat.PagerDuty, RoutingKey = RoutingKey };
        options.Channels["pager-eu"] = new ChannelOptions { Format = ChannelFormat.PagerDuty, RoutingKey = RoutingKey, Url = "https://events.eu.pagerduty.com/v2/enqueue" };
        options.Channels["mail"] = Mail(username: "alerts", password: "hunter2");

        var views = ChannelsApi.ListChannels(new FixedOptions(options)).Value!.Items.ToDictionary(v => v.Id, v => v.Target);

        Assert.Equal("https://hooks.example.com:8443", views["hook"]);
        Assert.Equal("events.pagerduty.com", views["pager"]);
        Assert.Equal("events.eu.pagerduty.com", views["pager-eu"]);
        Assert.Equal("smtp://smtp.example.com:587 → oncall@example.com, Ops <ops@example.com>", views["mail"]);
        Assert.All(views.Values, target => Assert.DoesNotContain("secret", target, StringComparison.Ordinal));
        Assert.All(views.Values, target => Assert.DoesNotContain(RoutingKey, target, StringComparison.Ordinal));
        Assert.All(views.Values, target => Assert.DoesNotContain("hunter2", target, StringComparison.Ordinal));
    }

    private static ChannelOptions Mail(string from = "alerts@example.com", string[]? to = null, string? username = null, string? password = null, int port = 587) => new()
    {
        Format = ChannelFormat.Email,
        SmtpHost = "smtp.example.com",
        SmtpPort = port,
        From = from,
        To = to ?? ["oncall@example.com", "Ops <ops@example.com>"],
        Username = username,
        Password = password,
    };

    private static List<string?> Errors(ChannelOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage)];
    }

    private sealed class FixedOptions(AlertingOptions value) : IOptionsMonitor<AlertingOptions>
    {
        public AlertingOptions CurrentValue { get; } = value;

        public AlertingOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<AlertingOptions, string?> listener) => null;
    }
}
