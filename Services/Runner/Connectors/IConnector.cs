using System.Text.Json;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>What one attempt of a connector fetched.</summary>
public sealed record ConnectorResult(JsonElement Payload);

public interface IConnector
{
    Task<ConnectorResult> FetchAsync(CancellationToken cancellationToken);
}

public static class ConnectorKinds
{
    public const string GoodApi = "good_api";

    public static readonly IReadOnlyList<string> All = [GoodApi];

    public static bool IsKnown(string kind) => All.Contains(kind);
}

/// <summary>The first version's <c>good_api</c>: always succeeds with the same payload.</summary>
public sealed class GoodApiConnector : IConnector
{
    private static readonly JsonElement Payload =
        JsonSerializer.SerializeToElement(new { user_id = 123, value = 42, version = 1 });

    public Task<ConnectorResult> FetchAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new ConnectorResult(Payload));
}
