using Crm.SharedKernel.Security;

namespace Crm.Host.Composition;

internal static class WebAppExtensions
{
    /// <summary>
    /// Serves the web app from wwwroot with a fallback to index.html for its client-side routes, but only once a
    /// built app is there: without one, unknown paths stay 404s rather than an empty page.
    /// </summary>
    public static WebApplication UseCrmWebApp(this WebApplication app)
    {
        if (!app.Environment.WebRootFileProvider.GetFileInfo("index.html").Exists)
        {
            return app;
        }

        app.UseStaticFiles();
        app.MapFallbackToFile("index.html")
            .AllowAnonymousBecause("the web app's page: static, it signs in and calls the API with a token");

        // An unknown API route is a 404 problem, never the web app's page with a 200.
        app.MapFallback(ApiExtensions.ApiPrefix + "/{**path}", () => Results.NotFound())
            .AllowAnonymousBecause("answers 404 for an unknown API path, holds no data");
        return app;
    }
}
