using Carter;
using Crm.Modules.Customers.Features.UpsertCustomers;
using Crm.SharedKernel.Documents;
using Crm.SharedKernel.Errors;
using Crm.SharedKernel.Security;
using Crm.SharedKernel.Web;
using Mediator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Crm.Modules.Customers.Features.ImportCustomers;

/// <summary>Queues an import of an upload already on disk under <see cref="ImportFiles.UploadOf"/>.</summary>
internal sealed record StartCustomerImport(string JobId, string FileName, long Bytes) : IRequest<Result<CustomerImportResponse>>;

internal sealed class StartCustomerImportHandler(IDocumentStore store, ImportQueue queue, TimeProvider time)
    : IRequestHandler<StartCustomerImport, Result<CustomerImportResponse>>
{
    /// <summary>How long a client should wait when the queue is full: roughly one job's time.</summary>
    private static readonly TimeSpan QueueFullRetryAfter = TimeSpan.FromSeconds(30);

    public async ValueTask<Result<CustomerImportResponse>> Handle(StartCustomerImport request, CancellationToken cancellationToken)
    {
        var job = new CustomerImport
        {
            Id = request.JobId,
            Status = ImportStatus.Queued,
            Host = Environment.MachineName,
            FileName = request.FileName,
            Bytes = request.Bytes,
            CreatedAt = time.GetUtcNow(),
        };
        await using (var session = store.OpenSession())
        {
            session.Store(job);
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        if (queue.TryEnqueue(job.Id))
        {
            IngestTelemetry.ImportJobs.Add(1, new KeyValuePair<string, object?>("crm.import.status", "queued"));
            return CustomerImportResponse.From(job);
        }

        await using (var session = store.OpenSession())
        {
            session.Delete<CustomerImport>(job.Id);
            await session.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return Error.Unavailable("customers.imports_busy", "Too many imports are waiting; try again shortly.", QueueFullRetryAfter);
    }
}

/// <summary>
/// POST /api/v1/customers/imports: a CSV upload (multipart/form-data with a <c>file</c> part, or a text/csv body)
/// stored to disk and imported in the background; 202 with the job's Location.
/// </summary>
internal sealed class ImportCustomersEndpoint : ICarterModule
{
    private static readonly string[] CsvMediaTypes = ["text/csv", "application/csv", "text/plain"];

    public void AddRoutes(IEndpointRouteBuilder app) =>
        CustomersApi.Group(app, Permissions.CustomersWrite)
            .MapPost("/imports", HandleAsync)
            .WithMetadata(new RequestSizeLimitAttribute(app.ServiceProvider.GetRequiredService<IOptions<ImportOptions>>().Value.MaxUploadBytes))
            .RequireRateLimiting(RateLimitPolicies.Bulk)
            .WithName("ImportCustomers")
            .WithSummary("Starts a background import of customers from a CSV file.")
            .WithDescription("The header row names the columns; unknown columns become custom attributes. Poll the Location for progress.")
            .Accepts<IFormFile>("multipart/form-data", "text/csv")
            .Produces<CustomerImportResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .DisableAntiforgery();

    private static async Task<IResult> HandleAsync(
        HttpContext httpContext,
        ISender sender,
        ImportFiles files,
        IOptions<ImportOptions> options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var request = httpContext.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
        {
            return Unsupported(request.ContentType).ToProblem();
        }

        var multipart = mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
        if (!multipart && !CsvMediaTypes.Any(t => mediaType.MediaType.Equals(t, StringComparison.OrdinalIgnoreCase)))
        {
            return Unsupported(request.ContentType).ToProblem();
        }

        var limits = options.Value;
        var limited = RequestBodyLimit.Apply(httpContext, limits.MaxUploadBytes);
        if (limited.IsFailure)
        {
            return limited.Error.ToProblem();
        }

        var jobId = DocumentId.New(time);
        var path = files.UploadOf(jobId);
        Result<Upload> upload;
        try
        {
            upload = multipart
                ? await SaveFilePartAsync(request, mediaType, path, limits.MaxUploadBytes, cancellationToken).ConfigureAwait(false)
                : new Upload("upload.csv", await SaveAsync(request.Body, path, cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        if (upload.IsSuccess && upload.Value.Bytes == 0)
        {
            upload = Error.InvalidField("file", "is empty: send a CSV file with a header row");
        }

        if (upload.IsFailure)
        {
            File.Delete(path);
            return upload.Error.ToProblem();
        }

        var started = await sender.Send(new StartCustomerImport(jobId, upload.Value.FileName, upload.Value.Bytes), cancellationToken).ConfigureAwait(false);
        if (started.IsFailure)
        {
            File.Delete(path);
        }

        return started.ToHttpResult(job => TypedResults.Accepted($"{CustomersApi.PublicPath}/imports/{job.Id}", job));
    }

    private static async Task<Result<Upload>> SaveFilePartAsync(
        HttpRequest request,
        MediaTypeHeaderValue mediaType,
        string path,
        long maxBytes,
        CancellationToken cancellationToken)
    {
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return Error.Validation("customers.import_no_boundary", "The multipart body names no boundary.");
        }

        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = maxBytes };
        while (await reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
        {
            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                && disposition.IsFileDisposition()
                && string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, "file", StringComparison.Ordinal))
            {
                var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                var bytes = await SaveAsync(section.Body, path, cancellationToken).ConfigureAwait(false);
                return new Upload(DisplayName(name), bytes);
            }
        }

        return Error.InvalidField("file", "is required: a multipart part named 'file' holding the CSV file");
    }

    private static async Task<long> SaveAsync(Stream body, string path, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81_920, useAsync: true);
        await using (file.ConfigureAwait(false))
        {
            await body.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            return file.Length;
        }
    }

    /// <summary>Only the last segment of a client's file name, and not too long: it is shown back, never used as a path.</summary>
    private static string DisplayName(string? name)
    {
        var display = Path.GetFileName(name?.Replace('\\', '/') ?? "");
        display = string.IsNullOrWhiteSpace(display) ? "upload.csv" : display.Trim();
        return display.Length <= 255 ? display : display[..255];
    }

    private static Error Unsupported(string? contentType) =>
        Error.UnsupportedMediaType(
            "customers.import_media_type",
            $"Send the CSV as multipart/form-data with a 'file' part, or as a text/csv body, not '{contentType ?? "none"}'.");

    private sealed record Upload(string FileName, long Bytes);
}
