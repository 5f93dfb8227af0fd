using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Crm.SharedKernel.Mediation;

/// <summary>The tracing source and meter of the request pipeline, both named "Crm.Mediator".</summary>
public static class MediatorTelemetry
{
    public const string Name = "Crm.Mediator";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Seconds per request, tagged with <c>crm.request.type</c> and <c>crm.request.outcome</c>.</summary>
    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>(
        "crm.mediator.request.duration",
        unit: "s",
        description: "Time spent handling a mediator request, pipeline included.");
}

/// <summary>How a request ended, as recorded in logs and metrics.</summary>
public static class RequestOutcome
{
    public const string Success = "success";

    /// <summary>The handler returned a failed Result (an expected error).</summary>
    public const string Failure = "failure";

    /// <summary>The request failed its validators and was not handled.</summary>
    public const string Invalid = "invalid";

    /// <summary>The handler threw: a bug or an infrastructure fault.</summary>
    public const string Exception = "exception";

    /// <summary>The caller gave up (its cancellation token fired).</summary>
    public const string Canceled = "canceled";
}
