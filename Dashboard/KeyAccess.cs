using ConnectorHealth.Dashboard.Apis;

namespace ConnectorHealth.Dashboard;

/// <summary>
/// The role of the web UI's API key, asked of the gateway once and kept. Until the gateway has answered, the web UI is
/// read-only: an action it cannot take is never offered.
/// </summary>
public sealed class KeyAccess(IServiceProvider services)
{
    public const string Unknown = "unknown";

    private AccessInfo? _known;

    /// <summary>The role once known (operator or viewer), else <see cref="Unknown"/>.</summary>
    public string Role => _known?.Role ?? Unknown;

    /// <summary>Whether actions that change something (run now, acknowledge, silence, contracts, replay) are offered.</summary>
    public async ValueTask<bool> MayChangeAsync(CancellationToken cancellationToken) =>
        (await GetAsync(cancellationToken))?.MayChange ?? false;

    public async ValueTask<AccessInfo?> GetAsync(CancellationToken cancellationToken)
    {
        if (_known is { } known)
        {
            return known;
        }
        var apis = services.GetRequiredService<ServiceApis>();
        var answer = await apis.AskAsync(apis.Gateway.GetAccessAsync, cancellationToken);
        // A key's role does not change while the web UI runs; an unanswered question is asked again next time.
        return _known = answer.Value;
    }
}
