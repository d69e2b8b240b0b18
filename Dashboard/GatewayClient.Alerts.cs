using System.Globalization;

namespace ConnectorHealth.Dashboard;

// Alerts, their lifecycle and silences (the Alerting service).
public sealed partial class GatewayClient
{
    public Task<Answer<AlertPage>> GetAlertsAsync(AlertFilter filter, int limit, string? cursor, CancellationToken cancellationToken) =>
        GetAsync<AlertPage>(Query("/api/alerts",
            ("state", filter.State), ("connector", filter.Connector), ("rule", filter.Rule), ("severity", filter.Severity),
            ("limit", limit.ToString(CultureInfo.InvariantCulture)), ("cursor", cursor)), cancellationToken);

    public Task<Answer<AlertDetail>> GetAlertAsync(long alertId, CancellationToken cancellationToken) =>
        GetAsync<AlertDetail>($"/api/alerts/{alertId.ToString(CultureInfo.InvariantCulture)}", cancellationToken);

    public Task<Answer<AlertDetail>> AcknowledgeAlertAsync(long alertId, CancellationToken cancellationToken) =>
        PostAsync<AlertDetail>($"/api/alerts/{alertId.ToString(CultureInfo.InvariantCulture)}/ack", cancellationToken);

    public Task<Answer<AlertDetail>> ResolveAlertAsync(long alertId, CancellationToken cancellationToken) =>
        PostAsync<AlertDetail>($"/api/alerts/{alertId.ToString(CultureInfo.InvariantCulture)}/resolve", cancellationToken);

    /// <summary>Silences in force or still to come.</summary>
    public Task<Answer<SilenceList>> GetSilencesAsync(CancellationToken cancellationToken) =>
        GetAsync<SilenceList>("/api/silences", cancellationToken);

    public async Task<Answer<Silence>> AddSilenceAsync(SilenceRequest silence, CancellationToken cancellationToken)
    {
        // A refused silence is a validation problem: its errors say which field is wrong, which its title does not.
        var reply = await SendAsync<Silence>(HttpMethod.Post, "/api/silences", silence, cancellationToken);
        return reply.Value is { } added
            ? Answer<Silence>.Of(added)
            : Answer<Silence>.Failed(reply.Reasons.Count == 0 ? reply.Problem! : $"{reply.Problem} {string.Join("; ", reply.Reasons)}");
    }

    public Task<Answer<Done>> ExpireSilenceAsync(Guid silenceId, CancellationToken cancellationToken) =>
        SendAsync<Done>(HttpMethod.Delete, $"/api/silences/{silenceId}", null, cancellationToken);
}
