{{/* The release's resource name, at most 63 characters. */}}
{{- define "velahub.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the pods: stable across upgrades. */}}
{{- define "velahub.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "velahub.labels" -}}
{{ include "velahub.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The Secret holding the settings: the user's, or the one this chart creates. */}}
{{- define "velahub.secretName" -}}
{{- if .Values.existingSecret -}}
{{- .Values.existingSecret -}}
{{- else if .Values.secret.create -}}
{{- include "velahub.fullname" . -}}
{{- else -}}
{{- fail "velahub: set existingSecret (a Secret with DATABASE_URL, VELAHUB_BLOB_STORE and the AWS keys) or secret.create=true with secret.values: replicas need a shared PostgreSQL and S3 bucket" -}}
{{- end -}}
{{- end -}}

{{- define "velahub.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "velahub.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}
