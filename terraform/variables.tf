# Every input of the deployment. terraform.tfvars.example lists them all with sample values.

variable "do_token" {
  description = "DigitalOcean API token with write scope (API > Tokens in the control panel)."
  type        = string
  sensitive   = true
}

variable "name" {
  description = "Prefix of every resource name (VPC, droplets, volume, firewalls); lets two arenas share an account."
  type        = string
  default     = "rl-arena"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.name))
    error_message = "name: 2 to 32 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "region" {
  description = "DigitalOcean region of the VPC, the droplets and the data volume."
  type        = string
  default     = "ams3"
}

variable "main_size" {
  description = "Droplet size of the main machine (nginx, web, PostgreSQL, Redis, registry, beat and one Celery worker)."
  type        = string
  default     = "s-2vcpu-4gb"
}

variable "worker_size" {
  description = "Droplet size of each worker machine (Celery workers that build player images and run duels)."
  type        = string
  default     = "s-2vcpu-4gb"
}

variable "worker_count" {
  description = "Number of worker machines beside the main one. More than 0 needs a Spaces bucket (spaces_bucket) for the stored files."
  type        = number
  default     = 0

  validation {
    condition     = var.worker_count >= 0 && floor(var.worker_count) == var.worker_count
    error_message = "worker_count: a whole number, 0 or more."
  }
}

variable "worker_concurrency" {
  description = "Celery processes on each worker machine (ARENA_WORKER_CONCURRENCY): each runs one build, validation or duel at a time, so about one per CPU of worker_size."
  type        = number
  default     = 2

  validation {
    condition     = var.worker_concurrency >= 1 && floor(var.worker_concurrency) == var.worker_concurrency
    error_message = "worker_concurrency: a whole number, 1 or more."
  }
}

variable "ssh_key_fingerprints" {
  description = "Fingerprints (or ids) of SSH keys already added to the DigitalOcean account; they may log in as root."
  type        = list(string)

  validation {
    condition     = length(var.ssh_key_fingerprints) > 0
    error_message = "ssh_key_fingerprints: at least one key, or DigitalOcean mails a root password instead."
  }
}

variable "admin_cidrs" {
  description = "Address ranges allowed to reach SSH (port 22) on every machine, e.g. [\"203.0.113.7/32\"]."
  type        = list(string)

  validation {
    condition     = length(var.admin_cidrs) > 0 && alltrue([for c in var.admin_cidrs : can(cidrhost(c, 0))])
    error_message = "admin_cidrs: one or more CIDR ranges such as 203.0.113.7/32."
  }
}

variable "domain" {
  description = "Host name of the site, e.g. arena.example.org; nginx gets a certificate for it from Let's Encrypt. Empty: plain HTTP on the main droplet's IP."
  type        = string
  default     = ""

  validation {
    condition     = var.domain == "" || can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.domain))
    error_message = "domain: a lowercase host name such as arena.example.org, or empty."
  }
}

variable "manage_dns" {
  description = "Whether Terraform writes the A record of domain in a DigitalOcean DNS zone (dns_zone). false: point the name at the main_public_ip output yourself."
  type        = bool
  default     = true
}

variable "dns_zone" {
  description = "The domain already managed in DigitalOcean's DNS (Networking > Domains) that holds the record. Empty: domain without its first label (arena.example.org gives example.org)."
  type        = string
  default     = ""
}

variable "admin_email" {
  description = "Address Let's Encrypt writes to about the certificate (certbot --email); required when domain is set."
  type        = string
  default     = ""

  validation {
    condition     = var.admin_email == "" || can(regex("^[^@\\s'\"]+@[^@\\s'\"]+\\.[^@\\s'\"]+$", var.admin_email))
    error_message = "admin_email: an e-mail address, or empty."
  }
}

variable "repository_url" {
  description = "Git URL of the arena's code that every machine clones (public, or reachable without credentials)."
  type        = string

  validation {
    condition     = can(regex("^[^\\s'\"]+$", var.repository_url))
    error_message = "repository_url: a URL without spaces or quotes."
  }
}

variable "repository_ref" {
  description = "Branch, tag or commit of repository_url to deploy at first boot."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]+$", var.repository_ref))
    error_message = "repository_ref: a branch, tag or commit name."
  }
}

variable "data_volume_size" {
  description = "Size in GiB of the block storage volume mounted at /srv/arena on the main droplet: PostgreSQL's data, Redis's queue, the stored files, the certificates, the code and .env. Docker's data root (player images, the registry's storage) stays on the droplet's own disk."
  type        = number
  default     = 50

  validation {
    condition     = var.data_volume_size >= 10
    error_message = "data_volume_size: at least 10 GiB."
  }
}

variable "spaces_bucket" {
  description = "A DigitalOcean Spaces bucket for the stored files (submissions, duel records, player logs). Empty: files stay on the main droplet's volume, which only works with worker_count = 0."
  type        = string
  default     = ""
}

variable "spaces_region" {
  description = "Region of spaces_bucket. Empty: the same as region."
  type        = string
  default     = ""
}

variable "spaces_access_key" {
  description = "Access key of a Spaces key allowed to read and write spaces_bucket (API > Spaces Keys)."
  type        = string
  default     = ""
  sensitive   = true
}

variable "spaces_secret_key" {
  description = "Secret of the Spaces key spaces_access_key."
  type        = string
  default     = ""
  sensitive   = true
}
