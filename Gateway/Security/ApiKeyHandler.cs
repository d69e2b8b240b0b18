using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ConnectorHealth.Gateway.Security;

/// <summary>
/// Authenticates the API key, sent in the <c>X-Api-Key</c> header or as <c>Authorization: Bearer &lt;key&gt;</c> (what
/// OpenLineage clients send), against the three keys (compared in constant time). The key itself never leaves this
/// handler: the principal carries the role and a short hash, which the rate limiter partitions by.
/// </summary>
public sealed class ApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptionsMonitor<GatewayKeyOptions> keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string KeyIdClaim = "key_id";
    private const string BearerPrefix = "Bearer ";

    /// <summary>The key a request presents: <c>X-Api-Key</c> first, else a bearer token; null when it sends neither.</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(ApiKeyHeader.Name, out var values) && values.Count > 0 && !string.IsNullOrEmpty(values[0]))
        {
            return values[0];
        }
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) && authorization.Length > BearerPrefix.Length
            ? authorization[BearerPrefix.Length..].Trim()
            : null;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey(Request) is not { Length: > 0 } key)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var presented = Encoding.UTF8.GetBytes(key);
        var configured = keys.CurrentValue;
        var role = Matches(presented, configured.Operator) ? ApiRoles.Operator
            : Matches(presented, configured.Viewer) ? ApiRoles.Viewer
            : Matches(presented, configured.Reporter) ? ApiRoles.Reporter
            : null;
        if (role is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }
        var keyId = Convert.ToHexStringLower(SHA256.HashData(presented))[..12];
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Role, role), new Claim(KeyIdClaim, keyId)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{ApiKeyHeader.Name}\", Bearer";
        var presented = PresentedKey(Request) is not null;
        await Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: presented ? "The API key is not valid" : "An API key is required",
            detail: $"Send a viewer, operator or reporter key in the {ApiKeyHeader.Name} header or as {HeaderNames.Authorization}: Bearer <key>. With make run, `dotnet user-secrets list --project AppHost` shows them.")
            .ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await (Context.User.IsInRole(ApiRoles.Reporter)
            ? Results.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "This key may only report",
                detail: "The reporter key may send POST /api/runs, POST /api/v1/lineage and POST /api/v1/lineage/batch, nothing else.")
            : Results.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "This key may only read",
                detail: $"{Request.Method} needs the operator key; the viewer key may send GET and HEAD requests."))
            .ExecuteAsync(Context);

    private static bool Matches(byte[] presented, string? key) =>
        !string.IsNullOrEmpty(key) && CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(key));
}
