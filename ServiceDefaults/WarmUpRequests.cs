namespace ConnectorHealth.ServiceDefaults;

/// <summary>A service's requests to itself before it is ready (warming what makes it fast); they are left out of the traces.</summary>
public static class WarmUpRequests
{
    public const string UserAgent = "ConnectorHealth-WarmUp/1";

    public static bool IsWarmUp(Microsoft.AspNetCore.Http.HttpRequest request) =>
        request.Headers.UserAgent.ToString().StartsWith(UserAgent, StringComparison.Ordinal);

    public static bool IsWarmUp(System.Net.Http.HttpRequestMessage request) =>
        request.Headers.UserAgent.ToString().StartsWith(UserAgent, StringComparison.Ordinal);
}
