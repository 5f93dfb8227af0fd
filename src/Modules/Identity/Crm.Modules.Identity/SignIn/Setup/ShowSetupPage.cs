using System.Globalization;
using System.Text;
using Carter;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Crm.Modules.Identity.SignIn.Setup;

internal sealed record ShowSetupPage : IRequest<Result>;

/// <summary>Whether there is anything to set up: the setup page is served only while the setup code is open and no user exists.</summary>
internal sealed class ShowSetupPageHandler(IDocumentStore store, SetupCode setup) : IRequestHandler<ShowSetupPage, Result>
{
    public async ValueTask<Result> Handle(ShowSetupPage request, CancellationToken cancellationToken) =>
        setup.IsOpen && !await Users.AnyAsync(store, cancellationToken).ConfigureAwait(false)
            ? Result.Success()
            : CompleteSetupHandler.NotOpen;
}

/// <summary>
/// The setup page for a browser: a form that posts to POST /api/v1/auth/setup, and its script. The page carries no
/// inline script (the content policy allows only same-origin ones); the script reads the code from the fragment of
/// the link in the log, so the code never reaches a server log or a Referer header.
/// </summary>
internal sealed class ShowSetupPageEndpoint : ICarterModule
{
    public const string ScriptPath = "/setup/setup.js";

    private const string Reason =
        "first-admin setup page: holds nothing, the one-time code from the log is what protects the setup; the sign-in rate limit";

    private static readonly string PageTemplate = Resource("setup.html");
    private static readonly byte[] Script = Encoding.UTF8.GetBytes(Resource("setup.js"));

    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var auth = AuthApi.Group(app);
        auth.MapGet("/setup", HandleAsync)
            .WithName("ShowSetupPage")
            .WithSummary("The page that creates the first admin in a browser, while no user exists; 404 afterwards.")
            .AllowAnonymousBecause(Reason)
            .RequireRateLimiting(RateLimitPolicies.SignIn)
            .Produces<string>(StatusCodes.Status200OK, "text/html")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        auth.MapGet(ScriptPath, ServeScript)
            .WithName("GetSetupPageScript")
            .WithSummary("The setup page's script.")
            .AllowAnonymousBecause("the setup page's script: static, holds nothing; the sign-in rate limit")
            .RequireRateLimiting(RateLimitPolicies.SignIn)
            .Produces<string>(StatusCodes.Status200OK, "text/javascript")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }

    private static async Task<IResult> HandleAsync(ISender sender, Passwords passwords, CancellationToken cancellationToken)
    {
        var open = await sender.Send(new ShowSetupPage(), cancellationToken);
        return open.ToHttpResult(() => TypedResults.Content(
            PageTemplate.Replace("{{minLength}}", passwords.MinLength.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal),
            "text/html; charset=utf-8",
            Encoding.UTF8));
    }

    private static IResult ServeScript(HttpContext httpContext)
    {
        // The same for every installation and every state; the host's default for API paths is no-store.
        httpContext.Response.Headers.CacheControl = "public, max-age=3600";
        return TypedResults.Bytes(Script, "text/javascript; charset=utf-8");
    }

    private static string Resource(string name)
    {
        using var stream = typeof(ShowSetupPageEndpoint).Assembly.GetManifestResourceStream("Crm.Modules.Identity.SetupPage." + name)
            ?? throw new InvalidOperationException($"The setup page's {name} is not embedded in the Identity assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
