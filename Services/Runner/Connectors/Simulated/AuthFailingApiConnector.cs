namespace ConnectorHealth.Runner.Connectors.Simulated;

/// <summary>A revoked credential: every attempt is answered 401, which no retry can fix.</summary>
public sealed class AuthFailingApiConnector : IConnector
{
    public Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken) =>
        throw new ConnectorException(ErrorTypes.Auth, "401 Unauthorized: the API key was revoked", retryable: false, httpStatus: 401);
}
