using System.Globalization;
using System.Net;
using System.Text.Json;

namespace ConnectorHealth.Dashboard;

// Schema versions, diffs, contracts and the quarantine (the Drift service).
public sealed partial class GatewayClient
{
    public Task<Answer<SchemaList>> ListSchemasAsync(CancellationToken cancellationToken) =>
        GetAsync<SchemaList>("/api/schemas", cancellationToken);

    public Task<Answer<SchemaVersion>> GetSchemaVersionAsync(string connector, int version, CancellationToken cancellationToken) =>
        GetAsync<SchemaVersion>($"{SchemaUrl(connector)}/versions/{version.ToString(CultureInfo.InvariantCulture)}", cancellationToken);

    /// <summary>The diff between two versions; the API defaults <paramref name="to"/> to the current version and
    /// <paramref name="from"/> to the one before it, and <paramref name="mode"/> to the connector's compatibility mode.</summary>
    public Task<Answer<SchemaDiffReport>> DiffSchemaVersionsAsync(string connector, int? from, int? to, string? mode,
        CancellationToken cancellationToken) =>
        GetAsync<SchemaDiffReport>(Query($"{SchemaUrl(connector)}/diff",
            ("from", from?.ToString(CultureInfo.InvariantCulture)), ("to", to?.ToString(CultureInfo.InvariantCulture)), ("mode", mode)),
            cancellationToken);

    /// <summary>A connector's drift events, newest first, from <paramref name="cursor"/> (a previous page's) on.</summary>
    public Task<Answer<DriftEventPage>> GetDriftEventsAsync(string connector, int limit, string? cursor, CancellationToken cancellationToken) =>
        GetAsync<DriftEventPage>(Query("/api/drift-events",
            ("connector", connector), ("limit", limit.ToString(CultureInfo.InvariantCulture)), ("cursor", cursor)), cancellationToken);

    public async Task<Answer<ContractLookup>> GetContractAsync(string connector, CancellationToken cancellationToken)
    {
        var reply = await GetAsync<Contract>(ContractUrl(connector), cancellationToken);
        if (reply.Value is { } contract)
        {
            return Answer<ContractLookup>.Of(new ContractLookup(contract));
        }
        // The API's own 404 means "no contract"; a 404 without a problem document is a gateway without the route.
        return reply is { Status: HttpStatusCode.NotFound, FromApi: true }
            ? Answer<ContractLookup>.Of(new ContractLookup(null))
            : Answer<ContractLookup>.Failed(reply.Problem!);
    }

    public Task<Answer<Contract>> PutContractAsync(string connector, string policy, JsonElement schema, CancellationToken cancellationToken) =>
        SendAsync<Contract>(HttpMethod.Put, ContractUrl(connector), new ContractRequest(policy, schema), cancellationToken);

    public Task<Answer<Done>> DeleteContractAsync(string connector, CancellationToken cancellationToken) =>
        SendAsync<Done>(HttpMethod.Delete, ContractUrl(connector), null, cancellationToken);

    /// <summary>Quarantined runs, newest first; <paramref name="status"/> is held, released or null for both.</summary>
    public Task<Answer<QuarantinePage>> GetQuarantineAsync(string connector, string? status, int limit, string? cursor,
        CancellationToken cancellationToken) =>
        GetAsync<QuarantinePage>(Query("/api/quarantine",
            ("connector", connector), ("status", status), ("limit", limit.ToString(CultureInfo.InvariantCulture)), ("cursor", cursor)),
            cancellationToken);

    /// <summary>Re-checks a held payload against the current contract: released with its version, or refused with the violations.</summary>
    public Task<Answer<ReplayReceipt>> ReplayQuarantinedAsync(Guid quarantineId, CancellationToken cancellationToken) =>
        PostAsync<ReplayReceipt>($"/api/quarantine/{quarantineId}/replay", cancellationToken);

    private static string SchemaUrl(string connector) => $"/api/schemas/{Uri.EscapeDataString(connector)}";

    private static string ContractUrl(string connector) => $"/api/contracts/{Uri.EscapeDataString(connector)}";
}
