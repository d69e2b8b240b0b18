using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Gateway.Security;

public static class ApiRoles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";

    /// <summary>A pipeline's key: reports runs and lineage, and may read its own role.</summary>
    public const string Reporter = "reporter";

    /// <summary>The authorization policy every API route carries.</summary>
    public const string Policy = "api";
}
