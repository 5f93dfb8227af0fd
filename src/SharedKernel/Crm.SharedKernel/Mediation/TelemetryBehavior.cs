using System.Diagnostics;
using Crm.SharedKernel.Errors;
using Mediator;
using Microsoft.Extensions.Logging;

namespace Crm.SharedKernel.Mediation;

/// <summary>
/// Wraps every request in a span named after its type, records its duration by type and outcome, and logs one
/// structured line. The request's content is never logged: requests carry personal data.
/// </summary>
public sealed class TelemetryBehavior<TMessage, TResponse>(ILoggerFactory loggerFactory, TimeProvider time)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    private static readonly string RequestType = typeof(TMessage).Name;

    private readonly ILogger _logger = loggerFactory.CreateLogger(MediatorTelemetry.Name);

    public async ValueTask<TResponse> Handle(
        TMessage message,
        MessageHandlerDelegate<TMessage, TResponse> next,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        using var activity = MediatorTelemetry.ActivitySource.StartActivity(RequestType);
        activity?.SetTag("crm.request.type", RequestType);
        var started = time.GetTimestamp();
        var outcome = RequestOutcome.Exception;
        try
        {
            var response = await next(message, cancellationToken).ConfigureAwait(false);
            if (response is Result { Error: { } error })
            {
                outcome = error.Kind == ErrorKind.Validation ? RequestOutcome.Invalid : RequestOutcome.Failure;
                activity?.SetTag("crm.error.code", error.Code);
            }
            else
            {
                outcome = RequestOutcome.Success;
            }

            return response;
        }
        catch (RequestValidationException)
        {
            outcome = RequestOutcome.Invalid;
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = RequestOutcome.Canceled;
            throw;
        }
        catch (Exception exception)
        {
            // The type only: an exception's message can quote request data, and spans leave the process over OTLP.
            activity?.SetTag("error.type", exception.GetType().FullName);
            throw;
        }
        finally
        {
            var elapsed = time.GetElapsedTime(started);
            activity?.SetTag("crm.request.outcome", outcome);
            if (outcome is RequestOutcome.Exception or RequestOutcome.Failure)
            {
                activity?.SetStatus(ActivityStatusCode.Error);
            }

            MediatorTelemetry.RequestDuration.Record(
                elapsed.TotalSeconds,
                new KeyValuePair<string, object?>("crm.request.type", RequestType),
                new KeyValuePair<string, object?>("crm.request.outcome", outcome));
            MediatorLog.Handled(_logger, outcome == RequestOutcome.Exception ? LogLevel.Warning : LogLevel.Information, RequestType, elapsed.TotalMilliseconds, outcome);
        }
    }
}

internal static partial class MediatorLog
{
    [LoggerMessage(EventId = 1, Message = "Handled {RequestType} in {ElapsedMs} ms: {Outcome}")]
    public static partial void Handled(ILogger logger, LogLevel level, string requestType, double elapsedMs, string outcome);
}
