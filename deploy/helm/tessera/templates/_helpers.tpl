{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "tessera.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name: "tessera" for a release named tessera. */}}
{{- define "tessera.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tessera.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tessera.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tessera.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tessera.labels" -}}
helm.sh/chart: {{ include "tessera.chart" . }}
{{ include "tessera.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "tessera.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}

{{/* The Secret the pods read: the chart's own, or secrets.existingSecret. */}}
{{- define "tessera.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "tessera.fullname" .) }}
{{- end }}

{{/* ConfigMap data: the non-secret environment of every Tessera container. */}}
{{- define "tessera.configData" -}}
{{- $c := .Values.config -}}
{{- $data := dict
  "ENVIRONMENT" ($c.environment | toString)
  "API_HOST" "0.0.0.0"
  "API_PORT" (.Values.containerPort | int | toString)
  "RATE_LIMIT_ENABLED" ($c.rateLimitEnabled | toString)
  "DB_POOL_SIZE" ($c.dbPoolSize | int | toString)
  "DB_MAX_OVERFLOW" ($c.dbMaxOverflow | int | toString)
  "LOG_LEVEL" ($c.logLevel | toString)
  "MIGRATE_ON_START" (ternary "false" "true" .Values.migrations.enabled)
-}}
{{- if $c.corsOrigins }}{{ $_ := set $data "CORS_ORIGINS" ($c.corsOrigins | toString) }}{{ end -}}
{{- if $c.webhookUrl }}{{ $_ := set $data "WEBHOOK_URL" ($c.webhookUrl | toString) }}{{ end -}}
{{- range $key, $value := $c.extraEnv }}{{ $_ := set $data $key ($value | toString) }}{{ end -}}
{{- toYaml $data }}
{{- end }}

{{/*
Secret data (base64). A value left empty keeps what the chart's Secret already holds,
so `helm upgrade --set image.tag=...` (which drops earlier --set values) does not lose
DATABASE_URL. BOOTSTRAP_API_KEY is only present while it is passed.
*/}}
{{- define "tessera.secretData" -}}
{{- $s := .Values.secrets -}}
{{- $existing := dict -}}
{{- $current := lookup "v1" "Secret" .Release.Namespace (include "tessera.fullname" .) -}}
{{- if and $current $current.data }}{{ $existing = $current.data }}{{ end -}}
{{- $data := dict -}}
{{- range $key, $field := dict "DATABASE_URL" "databaseUrl" "REDIS_URL" "redisUrl" "SECRET_KEY" "secretKey" "WEBHOOK_SECRET" "webhookSecret" -}}
{{- $value := get $s $field -}}
{{- if $value }}
{{- $_ := set $data $key ($value | toString | b64enc) -}}
{{- else if hasKey $existing $key }}
{{- $_ := set $data $key (get $existing $key) -}}
{{- end -}}
{{- end -}}
{{- if $s.bootstrapApiKey }}{{ $_ := set $data "BOOTSTRAP_API_KEY" ($s.bootstrapApiKey | toString | b64enc) }}{{ end -}}
{{- toYaml $data }}
{{- end }}

{{/* Spread API pods across zones unless .Values.affinity says otherwise. */}}
{{- define "tessera.affinity" -}}
{{- if .Values.affinity }}
{{- toYaml .Values.affinity }}
{{- else -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        labelSelector:
          matchLabels:
            {{- include "tessera.selectorLabels" . | nindent 12 }}
            app.kubernetes.io/component: api
        topologyKey: topology.kubernetes.io/zone
{{- end }}
{{- end }}
