using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Crm.SharedKernel.Security;

/// <summary>How an endpoint or group says who may call it. An endpoint that says neither is denied to everyone.</summary>
public static class EndpointSecurity
{
    /// <summary>Only callers holding <paramref name="permission"/> (a <see cref="Permissions"/> constant).</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string permission)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!Permissions.IsKnown(permission))
        {
            throw new ArgumentException($"'{permission}' is not a permission in {nameof(Permissions)}.", nameof(permission));
        }

        return builder.RequireAuthorization(Permissions.PolicyName(permission));
    }

    /// <summary>Any signed-in caller, whatever their permissions (who am I, sign out).</summary>
    public static TBuilder RequireSignedIn<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RequireAuthorization();
    }

    /// <summary>
    /// Open to anonymous callers, with the reason and the endpoint's own protection (a signature, a rate limit, a
    /// one-time code) stated, so a review and the endpoint-policy test see an explicit choice rather than an omission.
    /// </summary>
    public static TBuilder AllowAnonymousBecause<TBuilder>(this TBuilder builder, string reason)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return builder.AllowAnonymous().WithMetadata(new PublicEndpoint(reason));
    }
}

/// <summary>Metadata of an endpoint open to anonymous callers on purpose.</summary>
public sealed record PublicEndpoint(string Reason);
