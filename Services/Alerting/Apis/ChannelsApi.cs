using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Alerting.Apis;

/// <summary>Notification channels (receivers): what each receives, and a test message on demand.</summary>
public static class ChannelsApi
{
    public static IEndpointRouteBuilder MapChannelsApi(this IEndpointRouteBuilder app)
    {
        var channels = app.MapGroup("/api/channels").WithTags("Alerts");
        channels.MapGet("/", ListChannels).WithName("ListChannels").WithSummary("Notification channels and what they receive (secrets left out)");
        channels.MapPost("/{id}/test", TestChannel).WithName("TestChannel").WithSummary("Posts a test message to a channel now and says what happened");
        return app;
    }

    public sealed record ChannelView(string Id, ChannelFormat Format, string Target, IReadOnlyList<Severity>? Severities, IReadOnlyList<string>? Rules, bool Enabled);

    public sealed record ChannelList(IReadOnlyList<ChannelView> Items);

    public static Ok<ChannelList> ListChannels(IOptionsMonitor<AlertingOptions> options) =>
        TypedResults.Ok(new ChannelList(options.CurrentValue.Channels
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => new ChannelView(c.Key, c.Value.Format, Target(c.Value), c.Value.Severities, c.Value.Rules, c.Value.Enabled))
            .ToArray()));

    // Only where notifications go, never a secret: a webhook's path is its key (Slack, Teams), and the routing key and
    // the SMTP password are left out.
    private static string Target(ChannelOptions channel) => channel.Format switch
    {
        ChannelFormat.PagerDuty => Uri.TryCreate(channel.PagerDutyUrl, UriKind.Absolute, out var events) ? events.Authority : "(invalid)",
        ChannelFormat.Email => $"smtp://{channel.SmtpHost}:{channel.SmtpPort} → {string.Join(", ", channel.To ?? [])}",
        _ => Uri.TryCreate(channel.Url, UriKind.Absolute, out var url) ? $"{url.Scheme}://{url.Authority}" : "(invalid)",
    };

    public sealed record ChannelTestResult(string Channel, bool Delivered, int? StatusCode, string? Error);

    public static async Task<Results<Ok<ChannelTestResult>, ProblemHttpResult>> TestChannel(
        string id, NotificationDelivery delivery, IOptionsMonitor<AlertingOptions> options, CancellationToken cancellationToken)
    {
        if (!options.CurrentValue.Channels.ContainsKey(id))
        {
            return TypedResults.Problem(detail: "There is no channel with that id; GET /api/channels lists them.", statusCode: StatusCodes.Status404NotFound);
        }
        var outcome = await delivery.TestAsync(id, cancellationToken);
        return TypedResults.Ok(new ChannelTestResult(id, outcome.Delivered, outcome.StatusCode, outcome.Error));
    }
}
